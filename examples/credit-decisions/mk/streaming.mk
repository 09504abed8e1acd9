# Stream consumer: the Lambda package the stack deploys (infra's consumerCodePath) and a producer.
.PHONY: package-lambda send-events

package-lambda:
	rm -rf build/consumer
	$(PYTHON) -m pip install --quiet --target build/consumer --platform manylinux2014_x86_64 \
		--only-binary=:all: --python-version 3.11 --implementation cp .
	@echo "built build/consumer (handlers credit_decisions.stream.handler.lambda_handler and credit_decisions.monitoring.consumer.lambda_handler)"

send-events:
	$(PYTHON) -m credit_decisions.stream.producer
