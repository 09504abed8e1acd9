# Batch jobs: the same entry points the Step Functions tasks run.
.PHONY: train score

train:
	$(PYTHON) -m {{ cookiecutter.package_name }}.jobs.train

score:
	$(PYTHON) -m {{ cookiecutter.package_name }}.jobs.score
