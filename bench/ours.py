"""What the bench driver needs from our project, asked in a process of its own so that the driver
imports no Dagster: a child's peak-memory figure starts at its parent's size when it was forked.

``python -m bench.ours env BASE_URL`` prints the environment that points the CLI at the emulator;
``python -m bench.ours init DAGSTER_HOME`` creates the instance's storage there (untimed: every run but
a deployment's very first finds it made); ``python -m bench.ours figures DAGSTER_HOME`` prints the rows and API calls of the run recorded there.
"""

from __future__ import annotations

import json
import sys

from bench import common


def environment(base_url: str) -> dict[str, str]:
    from rum_assets.config import env_vars
    from rum_assets.config.emulator_env import emulator_env
    from rum_emulator import environment as emulator

    pairs = [
        (common.API_KEY, emulator.DEMO_RAYGUN_API_KEY),
        (common.CLIENT_ID, emulator.DEMO_RAYGUN_CLIENT_ID),
        (common.CLIENT_SECRET, emulator.DEMO_RAYGUN_CLIENT_SECRET),
    ]
    if any(ours != theirs for ours, theirs in pairs):
        raise SystemExit("bench/common.py's credentials differ from the emulator's demo credentials")
    env = emulator_env(base_url, emulator.EmulatorSettings(raygun_call_limit=0))
    # The same pages as the floor and dlt fetch: the v1 API only (with a PAT, v3 applications load too).
    env.pop(env_vars.RAYGUN_PAT.name, None)
    env.pop(env_vars.RAYGUN_V3_BASE_URL.name, None)
    return env


def figures(home: str) -> dict[str, int]:
    """Rows and API calls from the run's materialization metadata."""
    import dagster as dg
    from dagster._core.instance import InstanceRef

    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(home)) as instance:
        event = instance.get_latest_materialization_event(dg.AssetKey(["raygun", "sessions"]))
        if event is None or event.asset_materialization is None:
            raise SystemExit("no materialization of raygun/sessions was recorded")
        metadata = event.asset_materialization.metadata
        return {"rows": int(metadata["dagster/row_count"].value), "api_calls": int(metadata["raygun/api_calls_used"].value)}  # type: ignore[arg-type]  # both are IntMetadataValues


def initialise(home: str) -> dict[str, int]:
    """Create the instance's storage in a new ``DAGSTER_HOME``, as a deployment has before its runs."""
    import dagster as dg
    from dagster._core.instance import InstanceRef

    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(home)) as instance:
        return {"runs": len(instance.get_run_records(limit=1))}


def main() -> None:
    command, argument = sys.argv[1], sys.argv[2]
    answer = {"env": environment, "init": initialise, "figures": figures}[command](argument)
    print(json.dumps(answer))


if __name__ == "__main__":
    main()
