"""E-learning: modules as content files (modules/<id>/module.yaml and one file per language),
their loader and checks (content.py) and their SCORM 1.2 export (scorm.py). Learners' progress
and certificates are kept by bch.services.learning."""
