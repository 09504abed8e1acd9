# Real-time API: serve it on 127.0.0.1:8080 with a locally trained model.
.PHONY: run-api

run-api:
	$(PYTHON) -m credit_decisions train --out artifacts/model
	MODEL_PATH=artifacts/model $(PYTHON) -m credit_decisions.api
