# Stream consumer: the Lambda package the stack deploys (infra's consumerCodePath) and a producer.
.PHONY: package-lambda send-events

package-lambda:
	rm -rf build/consumer
	$(PYTHON) -m pip install --quiet --target build/consumer --platform manylinux2014_x86_64 \
		--only-binary=:all: --python-version 3.11 --implementation cp .
	@echo "built build/consumer (handlers iot_sensor_monitoring.stream.handler.lambda_handler and iot_sensor_monitoring.monitoring.consumer.lambda_handler)"

send-events:
	$(PYTHON) -m iot_sensor_monitoring.stream.producer
