"""The deployments of one application, and the version each of its sessions carries.

Release ``k`` of an application starts on UTC day ``k * cadence_days - phase`` (the phase is per
application) and is deployed during that day, at a deterministic moment. A session carries the version of
the last deployment at or before its ``startedAt``, so every ``deploymentVersion`` a session shows is the
``version`` of a listed deployment, and sessions change version at ``deployedAt``, not at midnight.

Deployments are not RUM data: every application has them, also one without sessions. The list holds
the release in effect on the first retained day and every later one deployed by now.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rum_emulator.raygun.data import FIRST_NAMES, LAST_NAMES
from rum_emulator.raygun_v3.config import ApplicationSpec
from rum_emulator.raygun_v3.draws import digest, identifier, u32
from rum_emulator.raygun_v3.timeutil import DAY_MS, EPOCH_MS, day_start_ms, iso_ms

SCM_TYPES = ("gitHub", "gitLab", "azureDevOps", "bitbucket")
COMMENTS = (
    "Checkout fixes and faster product pages",
    "Search relevance tuning",
    "Dependency upgrades",
    "New account settings screen",
    "Hotfix for cart totals",
)
APP_HOST = "https://app.raygun.com"


@dataclass(frozen=True)
class Deployment:
    index: int
    identifier: str
    version: str
    deployed_ms: int
    owner: tuple[str, str] | None
    """``(name, email address)``, or None for a deployment a pipeline made without naming anyone."""
    comment: str | None
    scm: tuple[str, str] | None
    """``(commit, scm type)``, or None when the deployment names no commit."""

    def record(self, app: ApplicationSpec, *, nulls: bool = False) -> dict[str, Any]:
        """The description's ``deployment``: the three required fields always, the optional ones when known
        (the others left out, or null with ``nulls``)."""
        owner, email = self.owner or (None, None)
        commit, scm_type = self.scm or (None, None)
        record: dict[str, Any] = {
            "identifier": self.identifier,
            "applicationIdentifier": app.identifier,
            "version": self.version,
            "emailAddress": email,
            "ownerName": owner,
            "comment": self.comment,
            "scmIdentifier": commit,
            "scmType": scm_type,
            "deployedAt": iso_ms(self.deployed_ms),
            "applicationUrl": f"{APP_HOST}/deployments/{app.identifier}/{self.identifier}",
        }
        return record if nulls else {key: value for key, value in record.items() if value is not None}


class Releases:
    def __init__(self, seed: str, app: ApplicationSpec, cadence_days: int) -> None:
        self.seed = seed
        self.app = app
        self.cadence_days = cadence_days
        raw = digest(seed, app.identifier, "releases")
        self._phase = u32(raw, 0) % cadence_days
        self._scm_type = SCM_TYPES[u32(raw, 1) % len(SCM_TYPES)]
        self.deployment = lru_cache(maxsize=1024)(self._deployment)

    def _first_day(self, index: int) -> int:
        return index * self.cadence_days - self._phase

    def _index_of_day(self, day: int) -> int:
        return (day + self._phase) // self.cadence_days

    def _deployment(self, index: int) -> Deployment:
        raw = digest(self.seed, self.app.identifier, "deployment", index)
        deployed = day_start_ms(self._first_day(index)) + 6 * 3_600_000 + u32(raw, 0) % (12 * 3_600_000)
        first = FIRST_NAMES[u32(raw, 1) % len(FIRST_NAMES)]
        last, last_ascii = LAST_NAMES[u32(raw, 2) % len(LAST_NAMES)]
        owner = (f"{first} {last}", f"{first.lower()}.{last_ascii}@example.com") if u32(raw, 3) % 4 else None
        comment = COMMENTS[u32(raw, 4) % len(COMMENTS)] if u32(raw, 5) % 3 else None
        scm = (raw[:20].hex(), self._scm_type) if u32(raw, 6) % 5 else None
        return Deployment(index, identifier("dp", raw, index), f"2.{index // 10 % 100}.{index % 10}", deployed, owner, comment, scm)

    def current(self, moment_ms: int) -> Deployment:
        """The last deployment at or before ``moment_ms``."""
        index = self._index_of_day((moment_ms - EPOCH_MS) // DAY_MS)
        release = self.deployment(index)
        return release if release.deployed_ms <= moment_ms else self.deployment(index - 1)

    def listed(self, first_day: int, now_ms: int) -> list[Deployment]:
        """The deployment in effect when ``first_day`` starts, and every later one deployed by ``now_ms``, oldest first."""
        first = self.current(day_start_ms(first_day)).index
        last = self.current(now_ms).index
        return [self.deployment(index) for index in range(first, last + 1)]
