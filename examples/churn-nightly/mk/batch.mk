# Batch jobs: the same entry points the Step Functions tasks run.
.PHONY: train score

train:
	$(PYTHON) -m churn_nightly.jobs.train

score:
	$(PYTHON) -m churn_nightly.jobs.score
