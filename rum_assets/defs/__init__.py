"""The project's defs folder: one sub-folder with a ``defs.yaml`` per additional account.

Each ``defs.yaml`` is a ``rum_assets.components.RaygunComponent`` or ``ReveneraComponent`` (see the
README's "Several accounts"). It ships empty: the environment variables configure the default account,
and a deployment usually keeps its accounts outside the package, in the folder named by
``RUM_ASSETS_DEFS_DIR`` (loaded instead of this one).
"""
