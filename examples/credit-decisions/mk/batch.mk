# Batch jobs: the same entry points the Step Functions tasks run.
.PHONY: train score

train:
	$(PYTHON) -m credit_decisions.jobs.train

score:
	$(PYTHON) -m credit_decisions.jobs.score
