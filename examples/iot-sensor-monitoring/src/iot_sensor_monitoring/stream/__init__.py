"""The stream path: a producer that puts applications on Kinesis and the Lambda that scores them."""
