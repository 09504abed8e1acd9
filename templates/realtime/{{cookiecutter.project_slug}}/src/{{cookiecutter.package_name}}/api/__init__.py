"""The real-time HTTP API: `python -m {{ cookiecutter.package_name }}.api`."""
