"""rum_assets: Raygun RUM and Revenera Usage Intelligence, landed one UTC day at a time by Dagster."""

from rum_assets.runtime.gc_tuning import freeze_what_is_loaded

freeze_what_is_loaded()

from rum_assets.runtime.notices import accept_chosen_notices  # noqa: E402 - after the freeze: it imports Dagster

accept_chosen_notices()
