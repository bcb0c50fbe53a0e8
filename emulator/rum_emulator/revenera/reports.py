"""Report endpoints: generic dateRange, event tracking (fullReport, timeline, lifetime histogram), usage
distribution. All computed from :mod:`data`, so they agree with each other and with the exports.

Days after the emulator's today have no data (zero counts) but still get their keys.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal, overload

from rum_emulator.revenera.data import ALL_EVENTS, Client, ProductData
from rum_emulator.revenera.validation import BadRequest, ClientPredicate, Segments, client_filter, date_range, days_between

STATUSES = ("new", "active", "lost")
LOST_RULES = ("dateLastSeen", "dateDeclaredLost")
SPLITS = ("day", "week", "month")
LEVEL_NAMES = ("level1", "level2", "level3")


@overload
def period_start(day: date, split: str) -> date: ...
@overload
def period_start(day: date, split: str | None) -> date | None: ...
def period_start(day: date, split: str | None) -> date | None:
    """The result key of ``day``: the day, the Monday of its ISO week, or the 1st of its month."""
    if split == "day":
        return day
    if split == "week":
        return day - timedelta(days=day.weekday())
    if split == "month":
        return day.replace(day=1)
    if split is None:
        return None
    raise ValueError(f"dateSplit {split!r} is not one of {', '.join(SPLITS)}")


@overload
def _split(body: dict[str, Any], *, required: Literal[True], default: str | None = None) -> str: ...
@overload
def _split(body: dict[str, Any], *, required: bool, default: str | None = None) -> str | None: ...
def _split(body: dict[str, Any], *, required: bool, default: str | None = None) -> str | None:
    split = body.get("dateSplit", default)
    if split is None and not required:
        return None
    if split not in SPLITS:
        raise BadRequest(f"dateSplit must be {', '.join(SPLITS)}{'' if required else ' or null'}, got {split!r}")
    return split


def _client_days(product: ProductData, start: date, stop: date, today: date) -> Iterator[tuple[date, bytes]]:
    """The days of the range that have data (up to today), with the day's active flags."""
    for day in days_between(start, min(stop, today)):
        yield day, product.active_flags(day)


# -- generic dateRange --------------------------------------------------------------------------


@dataclass
class _Node:
    """Counts of one segment (or of everything): status -> client ids, and the next level's segments."""

    ids: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    children: dict[str, _Node] = field(default_factory=dict)

    def child(self, label: str) -> _Node:
        node = self.children.get(label)
        if node is None:
            node = self.children[label] = _Node()
        return node


def _levels(body: dict[str, Any], split: str | None) -> list[Segments]:
    levels = body.get("levels") or {}
    if not isinstance(levels, dict):
        raise BadRequest("levels must be an object")
    unknown = set(levels) - set(LEVEL_NAMES)
    if unknown:
        raise BadRequest(f"levels may only hold level1, level2, level3, not {sorted(unknown)}")
    names = [name for name in LEVEL_NAMES if name in levels]
    if names != list(LEVEL_NAMES[: len(names)]):
        raise BadRequest("levels must be level1, then level2, then level3")
    if split is not None and len(names) > 1:
        raise BadRequest("levels: only one level (level1) is allowed with dateSplit")
    return [Segments(levels[name], f"levels.{name}") for name in names]


def date_range_report(product: ProductData, body: dict[str, Any], today: date, retention: int) -> dict[str, Any]:
    """``POST /v3/reporting/generic/dateRange/{pid}``.

    Result shapes (``<totals>`` = ``{"new": n, "active": n, "lost": n}`` with only the requested
    statuses, in the requested order):

    * dateSplit, no levels: ``{"YYYY-MM-DD": <totals>, ...}``, one key per period of the range
      (week keys are Mondays, month keys the 1st; both may precede startDate);
    * dateSplit and level1: ``{"YYYY-MM-DD": {"level1": {"<label>": {"totals": <totals>}}}}``;
    * no dateSplit, no levels: ``<totals>``;
    * no dateSplit, levels: ``{"level1": {"<label>": {"totals": <totals>, "level2": {...}}}}``.

    ``<label>`` is the property value for ``split: true`` segments (only values that occur), else the
    ``segmentLabel`` (always present, zeros included). A client is counted in every segment it matches.
    Over several days, each status counts distinct clients. ``lost`` follows
    :meth:`ProductData.is_lost_on`. Filters and segments use each day's property values.
    """
    start, stop = date_range(body, today, retention)
    split = _split(body, required=False)
    statuses = body.get("clientStatus")
    if (
        not isinstance(statuses, list)
        or not 1 <= len(statuses) <= 3
        or not set(statuses) <= set(STATUSES)
        or len(set(statuses)) != len(statuses)
    ):
        raise BadRequest(f"clientStatus must list 1 to 3 different values of {', '.join(STATUSES)}, got {statuses!r}")
    quiet, rule = 0, LOST_RULES[0]
    if "lost" in statuses:
        asked_quiet, asked_rule = body.get("daysUntilDeclaredLost"), body.get("dateReportedLost")
        if not isinstance(asked_quiet, int) or isinstance(asked_quiet, bool) or not 1 <= asked_quiet <= 365:
            raise BadRequest(f"daysUntilDeclaredLost is required with clientStatus lost (an integer 1-365), got {asked_quiet!r}")
        if not isinstance(asked_rule, str) or asked_rule not in LOST_RULES:
            raise BadRequest(f"dateReportedLost is required with clientStatus lost ({' or '.join(LOST_RULES)}), got {asked_rule!r}")
        quiet, rule = asked_quiet, asked_rule
    group_by = body.get("groupBy", "clientId")
    if group_by not in (None, "clientId"):
        raise BadRequest(f"groupBy {group_by!r} is not supported by this emulator (only clientId)")
    levels = _levels(body, split)
    keep = client_filter(body, last_seen=lambda c: product.last_seen(c, today))
    want_new, want_active, want_lost = ("new" in statuses), ("active" in statuses), ("lost" in statuses)

    roots: dict[date | None, _Node] = defaultdict(_Node)
    for day, flags in _client_days(product, start, stop, today):
        root = roots[period_start(day, split)]
        for client, active in zip(product.clients, flags, strict=True):
            if client.installed > day:
                continue
            found = []
            if want_active and active:
                found.append("active")
            if want_new and client.installed == day:
                found.append("new")
            if want_lost and product.is_lost_on(client, day, quiet, rule, today):
                found.append("lost")
            if not found or (keep is not None and not keep(client, day)):
                continue
            for node in _nodes(root, levels, client, day):
                for status in found:
                    node.ids[status].add(client.client_id)

    def totals(node: _Node) -> dict[str, int]:
        return {status: len(node.ids.get(status, ())) for status in statuses}

    def tree(node: _Node, depth: int) -> dict[str, Any]:
        segments = levels[depth]
        labels = [*segments.fixed_labels, *sorted(set(node.children) - set(segments.fixed_labels))]
        out: dict[str, Any] = {}
        for label in labels:
            child = node.children.get(label) or _Node()
            entry: dict[str, Any] = {"totals": totals(child)}
            if depth + 1 < len(levels):
                entry.update(tree(child, depth + 1))
            out[label] = entry
        return {LEVEL_NAMES[depth]: out}

    def shape(node: _Node) -> dict[str, Any]:
        return tree(node, 0) if levels else totals(node)

    if split is None:
        return {"result": shape(roots[None])}
    periods = sorted({period_start(d, split) for d in days_between(start, stop)})
    return {"result": {p.isoformat(): shape(roots[p]) for p in periods}}


def _nodes(root: _Node, levels: list[Segments], client: Client, day: date) -> list[_Node]:
    """The root and every segment node (at every level) the client falls in."""
    found = [root]
    frontier = [root]
    for segments in levels:
        labels = segments.labels(client, day)
        frontier = [node.child(label) for node in frontier for label in labels]
        found += frontier
    return found


# -- event tracking ---------------------------------------------------------------------------


@dataclass(frozen=True)
class EventSelector:
    """One entry of ``events``: a single event, or a combination counted as one series."""

    key: dict[str, Any]
    """The identifying members of the result entry: ``{"category", "name"}`` or ``{"combiLabel"}``."""
    matches: Callable[[tuple[str, str]], bool]


def _text_matcher(kind: Any, value: Any, where: str) -> Callable[[str], bool]:
    if kind in (None, "string"):
        return lambda v: v == value
    if kind == "regex":
        try:
            pattern = re.compile(str(value))
        except re.error:
            raise BadRequest(f"{where} is not a valid regular expression") from None
        return lambda v: pattern.fullmatch(v) is not None
    raise BadRequest(f"{where}: type must be string or regex")


TextMatcher = Callable[[str], bool]


def _is_pair(wanted: tuple[str | None, str]) -> Callable[[tuple[str, str]], bool]:
    return lambda pair: pair == wanted


def _any_part(tests: list[tuple[TextMatcher, TextMatcher]]) -> Callable[[tuple[str, str]], bool]:
    """A combination: a (category, name) pair matching any one of its parts."""
    return lambda pair: any(category(pair[0]) and name(pair[1]) for category, name in tests)


def event_selectors(body: dict[str, Any]) -> list[EventSelector]:
    """``events`` (reference 3.5); omitted or null means every event of the catalog."""
    events = body.get("events")
    if events is None:
        return [EventSelector({"category": c, "name": n}, _is_pair((c, n))) for c, n in ALL_EVENTS]
    if not isinstance(events, list) or not events:
        raise BadRequest("events must be a non-empty list of {category, name} or {combiLabel, combiArray}")
    selectors = []
    for n, event in enumerate(events):
        where = f"events[{n}]"
        if isinstance(event, dict) and "combiArray" in event:
            label, parts = event.get("combiLabel"), event.get("combiArray")
            if not isinstance(label, str) or not isinstance(parts, list) or not parts:
                raise BadRequest(f"{where} needs a combiLabel and a non-empty combiArray")
            tests = []
            for m, part in enumerate(parts):
                if not isinstance(part, dict) or not isinstance(part.get("name"), str):
                    raise BadRequest(f"{where}.combiArray[{m}] needs a name")
                cat = _text_matcher(part.get("categoryType"), part.get("category"), f"{where}.combiArray[{m}].category")
                name = _text_matcher(part.get("nameType"), part["name"], f"{where}.combiArray[{m}].name")
                tests.append((cat, name))
            selectors.append(EventSelector({"combiLabel": label}, _any_part(tests)))
        elif (
            isinstance(event, dict)
            and isinstance(event.get("name"), str)
            and (event.get("category") is None or isinstance(event.get("category"), str))
        ):
            pair = (event.get("category"), event["name"])
            selectors.append(EventSelector({"category": pair[0], "name": pair[1]}, _is_pair(pair)))
        else:
            raise BadRequest(f"{where} must be {{category, name}} or {{combiLabel, combiArray}}")
    return selectors


@dataclass
class _EventTally:
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    users: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    sessions: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    active_users: set[str] = field(default_factory=set)
    session_count: int = 0


def _tally(
    product: ProductData, days: Iterator[tuple[date, bytes]], keep: ClientPredicate | None, segments: Segments | None = None
) -> dict[str | None, _EventTally]:
    """Event counts per segment (key None without segmentation). One session per active client-day."""
    tallies: dict[str | None, _EventTally] = defaultdict(_EventTally)
    for day, flags in days:
        for client, active in zip(product.clients, flags, strict=True):
            if not active or (keep is not None and not keep(client, day)):
                continue
            pairs = product.event_pairs(client, day)
            session = f"{client.client_id}:{day.isoformat()}"
            for label in segments.labels(client, day) if segments else [None]:
                tally = tallies[label]
                tally.active_users.add(client.client_id)
                tally.session_count += 1
                for pair in pairs:
                    tally.counts[pair] += 1
                    tally.users[pair].add(client.client_id)
                    tally.sessions[pair].add(session)
    return tallies


def _event_rows(tally: _EventTally, selectors: list[EventSelector]) -> list[dict[str, Any]]:
    rows = []
    users_total, sessions_total = len(tally.active_users), tally.session_count
    for selector in selectors:
        pairs = [p for p in tally.counts if selector.matches(p)]
        count = sum(tally.counts[p] for p in pairs)
        users = len(set().union(*(tally.users[p] for p in pairs))) if pairs else 0
        sessions = len(set().union(*(tally.sessions[p] for p in pairs))) if pairs else 0
        rows.append(
            {
                **selector.key,
                "eventCounts": count,
                "uniqueUsersUsedAtLeastOnce": users,
                "uniqueUsersNeverUsed": users_total - users,
                "averageEventCountPerUserAtLeastOnce": round(count / users, 4) if users else 0,
                "averageEventCountPerUserAll": round(count / users_total, 4) if users_total else 0,
                "averageEventCountPerSessionUsedAtLeastOnce": round(count / sessions, 4) if sessions else 0,
                "averageEventCountPerSessionAll": round(count / sessions_total, 4) if sessions_total else 0,
            }
        )
    return rows


def _sorted_rows(rows: list[dict[str, Any]], body: dict[str, Any]) -> list[dict[str, Any]]:
    sort, direction = body.get("sort"), body.get("sortDirection", "asc")
    if sort is None:
        return rows
    if sort not in ("alpha", "eventCounts") or direction not in ("asc", "desc"):
        raise BadRequest("sort must be alpha or eventCounts, sortDirection asc or desc")
    key = (lambda r: (str(r.get("category")), str(r.get("name", r.get("combiLabel"))))) if sort == "alpha" else (lambda r: r["eventCounts"])
    return sorted(rows, key=key, reverse=direction == "desc")


def _segment_by(body: dict[str, Any]) -> Segments | None:
    if body.get("segmentBy") is None:
        return None
    return Segments({"property": body["segmentBy"], "segments": body.get("segments")}, "segmentBy/segments")


def event_full_report(product: ProductData, body: dict[str, Any], today: date, retention: int) -> dict[str, Any]:
    """``POST /v3/reporting/eventTracking/advanced/fullReport/{pid}``: one entry per selected event
    (``events``, default all) with ``eventCounts`` (= rows of that event in the range's raw files),
    ``uniqueUsersUsedAtLeastOnce``, ``uniqueUsersNeverUsed`` (active in the range, never used it) and
    the averages. With ``segmentBy``/``segments`` the result is ``{segment label: [entries]}``."""
    start, stop = date_range(body, today, retention)
    selectors = event_selectors(body)
    segments = _segment_by(body)
    tallies = _tally(product, _client_days(product, start, stop, today), client_filter(body), segments)
    if segments is None:
        return {"result": _sorted_rows(_event_rows(tallies[None], selectors), body)}
    labels = [*segments.fixed_labels, *sorted({label for label in tallies if label is not None} - set(segments.fixed_labels))]
    return {"result": {label: _sorted_rows(_event_rows(tallies[label], selectors), body) for label in labels}}


def event_timeline(product: ProductData, body: dict[str, Any], today: date, retention: int) -> dict[str, Any]:
    """``POST /v3/reporting/eventTracking/basic/timeline/{pid}``: ``{"<period>": [{category, name, value}]}``.

    ``dataView`` usageCounts (default; ``usageCount`` accepted) only. ``divisor`` null/usageCounts
    (the count), ``users`` (per active user of the period) or ``sessions`` (per session)."""
    start, stop = date_range(body, today, retention)
    split = _split(body, required=True, default="day")
    if body.get("dataView", "usageCounts") not in ("usageCounts", "usageCount"):
        raise BadRequest("dataView: only usageCounts is supported by this emulator")
    divisor = body.get("divisor")
    if divisor not in (None, "usageCounts", "users", "sessions"):
        raise BadRequest("divisor must be users, sessions, usageCounts or null (runtime is not supported)")
    selectors = event_selectors(body)
    keep = client_filter(body)
    result: dict[str, list[dict[str, Any]]] = {}
    periods: dict[date, list[date]] = defaultdict(list)
    for day in days_between(start, stop):
        periods[period_start(day, split)].append(day)
    for period, days in sorted(periods.items()):
        tally = _tally(product, ((d, product.active_flags(d)) for d in days if d <= today), keep)[None]
        rows: list[dict[str, Any]] = []
        for entry in _event_rows(tally, selectors):
            value: float = entry["eventCounts"]
            if divisor in ("users", "sessions"):
                base = len(tally.active_users) if divisor == "users" else tally.session_count
                value = round(value / base, 4) if base else 0
            rows.append({**{k: entry[k] for k in ("category", "name", "combiLabel") if k in entry}, "value": value})
        result[period.isoformat()] = rows
    return {"result": result}


HISTOGRAM_BINS = [(1, 2), (3, 5), (6, 10), (11, None)]


def event_lifetime_histogram(product: ProductData, body: dict[str, Any], today: date, retention: int) -> dict[str, Any]:
    """``POST /v3/reporting/eventTracking/lifetime/histogram/{pid}`` (the v3-confirmed path).

    Over the requested range (not the clients' whole lifetimes): ``summary.usedAtLeastOnce`` /
    ``neverUsed`` = users per event, ``histograms.eventCount`` = for each bin of per-user event counts
    ("1 - 2", ..., "11+"), the users per event whose count falls in it."""
    start, stop = date_range(body, today, retention)
    selectors = event_selectors(body)
    keep = client_filter(body)
    per_user: dict[int, Counter[str]] = defaultdict(Counter)  # selector -> client -> count
    active: set[str] = set()
    for day, flags in _client_days(product, start, stop, today):
        for client, is_active in zip(product.clients, flags, strict=True):
            if not is_active or (keep is not None and not keep(client, day)):
                continue
            active.add(client.client_id)
            for pair in product.event_pairs(client, day):
                for n, selector in enumerate(selectors):
                    if selector.matches(pair):
                        per_user[n][client.client_id] += 1
    labels = [f"{low} - {high}" if high else f"{low}+" for low, high in HISTOGRAM_BINS]
    used, never = [], []
    bins: dict[str, list[dict[str, Any]]] = {label: [] for label in labels}
    for n, selector in enumerate(selectors):
        users = per_user[n]
        used.append({**selector.key, "value": len(users)})
        never.append({**selector.key, "value": len(active) - len(users)})
        for label, (low, high) in zip(labels, HISTOGRAM_BINS, strict=True):
            bins[label].append({**selector.key, "value": sum(1 for c in users.values() if c >= low and (high is None or c <= high))})
    return {"result": {"summary": {"usedAtLeastOnce": used, "neverUsed": never}, "histograms": {"eventCount": bins}}}


# -- engagement -------------------------------------------------------------------------------


def usage_distribution(product: ProductData, body: dict[str, Any], today: date, retention: int) -> dict[str, Any]:
    """``POST /v3/reporting/engagement/usageDistribution/{pid}``:
    ``{"activeDays": {"<n>": {"users": u, "sessions": {"<n>": u}}}}`` - how many users were active on
    exactly n days of the range (one session per active day, so the sessions histogram of each
    bucket is that same number)."""
    start, stop = date_range(body, today, retention)
    keep = client_filter(body)
    days_active = [0] * product.client_count
    for day, flags in _client_days(product, start, stop, today):
        for i, (client, active) in enumerate(zip(product.clients, flags, strict=True)):
            if active and (keep is None or keep(client, day)):
                days_active[i] += 1
    histogram = Counter(n for n in days_active if n)
    return {"result": {"activeDays": {str(n): {"users": users, "sessions": {str(n): users}} for n, users in sorted(histogram.items())}}}
