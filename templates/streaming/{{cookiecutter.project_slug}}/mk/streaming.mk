# Stream consumer: the Lambda deployment package and a producer to try it.
.PHONY: package-lambda send-events

package-lambda:
	rm -rf build/lambda build/consumer.zip
	$(PYTHON) -m pip install --quiet --target build/lambda --platform manylinux2014_x86_64 --only-binary=:all: --python-version 3.11 .
	cd build/lambda && $(PYTHON) -m zipfile -c ../consumer.zip .
	@echo "wrote build/consumer.zip (handler: {{ cookiecutter.package_name }}.stream.handler.lambda_handler)"

send-events:
	$(PYTHON) -m {{ cookiecutter.package_name }}.stream.producer
