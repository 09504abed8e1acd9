# Stream producer: synthetic events into the stack's stream (the consumer runs the project image).
.PHONY: send-events

send-events:
	$(PYTHON) -m credit_decisions.stream.producer
