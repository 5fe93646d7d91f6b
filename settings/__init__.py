"""What the operator tells govmon: the site registry (``sites.yaml``, CSV/XLSX imports),
the settings (``govmon.yaml``) and the strict reading of both (:mod:`settings.schema`)."""
