"""The stream path: a producer that puts events on Kinesis and the consumers that read them."""
