"""rum_assets: Raygun RUM and Revenera Usage Intelligence, landed one UTC day at a time by Dagster."""

from rum_assets.notices import accept_chosen_notices

accept_chosen_notices()
