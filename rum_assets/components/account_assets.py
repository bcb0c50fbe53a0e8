"""One account's copy of a vendor's assets: its own asset keys and its own resource keys.

Why copies bound by resource key rather than resources bound to each asset: Dagster keys resources by
name across a code location, so two accounts cannot both bind a resource named ``raygun``
(``with_resources`` on each copy would conflict). Each copy instead requires ``raygun_<account>`` (and
the shared ``warehouse``) and hands that resource to the very function the default account's asset
runs, under the parameter name the function declares. The asset code stays one function for every
account; only its keys, its op name and the resource it is given differ.
"""

import inspect
from collections.abc import Mapping, Sequence
from typing import Any

import dagster as dg

from rum_assets.orchestration.account_keys import account_key

__all__ = ["account_key", "for_account"]


def _compute(function: Any, resource_keys: Mapping[str, str]) -> Any:
    """A compute function asking Dagster for the account's resources and config, calling ``function``."""
    parameters = inspect.signature(function).parameters
    wanted = [name for name in parameters if name in resource_keys]

    def resources(context: dg.AssetExecutionContext) -> dict[str, Any]:
        return {name: getattr(context.resources, resource_keys[name]) for name in wanted}

    if "config" not in parameters:

        def compute(context: dg.AssetExecutionContext):  # type: ignore[no-untyped-def]  # Dagster reads a return annotation as the outputs' types
            return function(context, **resources(context))

        return compute

    def compute_with_config(context: dg.AssetExecutionContext, config: Any):  # type: ignore[no-untyped-def]  # as compute above
        return function(context, config=config, **resources(context))

    compute_with_config.__annotations__["config"] = parameters["config"].annotation
    return compute_with_config


def for_account(
    asset: dg.AssetsDefinition, account: str, resource_keys: Mapping[str, str], keys: Sequence[dg.AssetKey]
) -> dg.AssetsDefinition:
    """``asset`` for ``account``: keys and dependencies among ``keys`` moved under the account, and the
    resources named in ``resource_keys`` (parameter name -> resource key) bound by key."""
    moved = {key: account_key(key, account) for key in keys}
    specs = [
        spec.replace_attributes(
            key=moved[spec.key],
            deps=[dg.AssetDep(moved.get(dep.asset_key, dep.asset_key), partition_mapping=dep.partition_mapping) for dep in spec.deps],
        )
        for spec in asset.specs
    ]
    check_specs = [
        dg.AssetCheckSpec(
            check.name, asset=moved[check.asset_key], description=check.description, blocking=check.blocking, metadata=check.metadata
        )
        for check in asset.check_specs
    ]
    op = asset.op
    function = getattr(op.compute_fn, "decorated_fn", op.compute_fn)  # the function @dg.asset decorated
    required = {resource_keys.get(name, name) for name in op.required_resource_keys}
    return dg.multi_asset(
        specs=specs,
        check_specs=check_specs or None,
        name=moved[asset.key].to_python_identifier(),
        required_resource_keys=required,
        backfill_policy=asset.backfill_policy,
        pool=op.pool,
        retry_policy=op.retry_policy,
        op_tags=dict(op.tags) or None,
    )(_compute(function, resource_keys))
