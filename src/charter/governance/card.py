"""The model card: what a reviewer needs to know about one version, from what the registry holds.

Sections: purpose and decision, intended use and consumers, data and lineage, gate results (with a
table per fairness check), approvals with dates and notes, deployment history, known
limitations, and the monitoring plan. Gate results are read from the stored report generically
(``report["checks"]``: name, verdict, value, threshold, reason; a fairness table for any check
whose ``details`` has ``groups``), so the card renders whatever the gate recorded.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from charter.contract import Charter, format_duration
from charter.governance.card_document import (
    Block,
    Bullets,
    CardDocument,
    Fields,
    Paragraph,
    Section,
    Table,
)
from charter.governance.rules import Standing, load_standing
from charter.governance.service import resolve_version
from charter.store import RegistryStore

if TYPE_CHECKING:
    from charter.registry import Registry

__all__ = ["build_card", "render_card"]


def render_card(registry: Registry | RegistryStore, ref: str, *, html: bool = False) -> str:
    """The model card of ``ref`` as Markdown, or as a self-contained HTML page."""
    document = build_card(registry, ref)
    return document.to_html() if html else document.to_markdown()


def build_card(registry: Registry | RegistryStore, ref: str) -> CardDocument:
    """The card as a document, for callers that render it their own way."""
    store: RegistryStore = registry if isinstance(registry, RegistryStore) else registry.store
    standing = load_standing(store, resolve_version(store, ref))
    version, charter = standing.version, standing.charter
    sections = [
        _purpose(charter),
        _intended_use(charter),
        _lineage(standing),
        _gate(standing),
        _approvals(store, standing),
        _deployments(store, standing),
        _limitations(standing),
        _monitoring(charter),
    ]
    subtitle = (
        f"Stage {version.stage} · owner {charter.owner} · risk tier {charter.risk.tier} · "
        f"charter {standing.charter_hash[:12]}"
    )
    return CardDocument(title=f"Model card: {version.ref}", subtitle=subtitle, sections=sections)


def _text(value: Any) -> str:
    """One value as short text: numbers to 4 significant digits, durations compact."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, timedelta):
        return format_duration(value)
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M} UTC"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_text(v)}" for k, v in value.items() if v is not None) or "—"
    if isinstance(value, list | tuple):
        return ", ".join(_text(v) for v in value) or "—"
    return str(value)


def _purpose(charter: Charter) -> Section:
    decision, risk = charter.decision, charter.risk
    factors = risk.factors.model_dump(mode="python")
    target = charter.target.column + (
        f" (positive: {charter.target.positive})" if charter.target.positive else ""
    )
    return Section(
        "Purpose and decision",
        [
            Paragraph(charter.purpose.strip()),
            Fields(
                (
                    ("Decision", decision.action),
                    ("Lead time the business needs", _text(decision.lead_time)),
                    ("Prediction horizon", _text(decision.horizon)),
                    ("Task", charter.task.replace("_", " ")),
                    ("Target", target),
                    ("Owner", charter.owner),
                    ("Risk tier", f"{risk.tier} (factors suggest {risk.factors.suggested_tier()})"),
                    ("Risk factors", _text(factors)),
                )
            ),
        ],
    )


def _intended_use(charter: Charter) -> Section:
    blocks: list[Block] = [
        Paragraph(
            f"Intended use: {charter.decision.action}. Any other use is outside what was "
            "validated and approved."
        )
    ]
    if charter.decision.consumers:
        blocks.append(Bullets(tuple(f"Consumer: {c}" for c in charter.decision.consumers)))
    outputs = charter.outputs
    pairs: list[tuple[str, str]] = [("Output", str(outputs.score))]
    if outputs.label is not None:
        pairs.append(("Label threshold", _text(outputs.label.threshold)))
    if outputs.reasons is not None:
        pairs.append(("Reason codes per prediction", str(outputs.reasons.top)))
    if charter.delivery.realtime is not None:
        pairs.append(
            ("Real-time delivery", _text(charter.delivery.realtime.model_dump(mode="json")))
        )
    if charter.delivery.batch is not None:
        pairs.append(("Batch delivery", _text(charter.delivery.batch.model_dump(mode="json"))))
    blocks.append(Fields(tuple(pairs)))
    return Section("Intended use and consumers", blocks)


def _lineage(standing: Standing) -> Section:
    version, charter = standing.version, standing.charter
    pairs = (
        ("Version", version.ref),
        ("Registered", f"{_text(version.created_at)} by {version.registered_by}"),
        ("Flavor", version.flavor),
        ("Artifact sha256", version.artifact_sha256),
        ("Training data fingerprint", version.training_fingerprint or "—"),
        ("Code version", version.code_version or "—"),
        ("Charter at registration", version.charter_hash[:12]),
        ("Current charter", standing.charter_hash[:12]),
        ("Reference sample sha256", version.sample_sha256 or "—"),
        ("Description", version.description or "—"),
    )
    features = tuple(
        (
            name,
            spec.type,
            _text({"min": spec.min, "max": spec.max, "categories": spec.categories}),
            _text(spec.nullable),
            spec.unseen if spec.type == "category" else "—",
        )
        for name, spec in charter.features.items()
    )
    blocks: list[Block] = [
        Fields(pairs),
        Table(("feature", "type", "valid values", "nullable", "unseen"), features, "Inputs"),
    ]
    if charter.sensitive:
        blocks.append(
            Paragraph(
                "Sensitive attributes (fairness checks and monitoring only, not model inputs): "
                + ", ".join(charter.sensitive)
            )
        )
    if charter.identifiers:
        blocks.append(
            Bullets(
                tuple(f"Identifier {n}: logged as {s.log}" for n, s in charter.identifiers.items())
            )
        )
    return Section("Data and lineage", blocks)


def _gate(standing: Standing) -> Section:
    gate = standing.gate
    if gate is None:
        return Section(
            "Gate results", [Paragraph(f"{standing.version.ref} has not been through the gate.")]
        )
    blocks: list[Block] = [
        Fields(
            (
                ("Verdict", gate.status),
                ("Run", f"{gate.id}, {_text(gate.created_at)} by {gate.run_by}"),
                ("Data fingerprint", gate.data_fingerprint or "—"),
            )
        )
    ]
    checks = [c for c in gate.report.get("checks", []) if isinstance(c, dict)]
    if checks:
        rows = tuple(
            tuple(_text(c.get(k)) for k in ("name", "verdict", "value", "threshold", "reason"))
            for c in checks
        )
        blocks.append(Table(("check", "verdict", "value", "threshold", "reason"), rows, "Checks"))
    for check in checks:
        details = check.get("details")
        groups = details.get("groups") if isinstance(details, dict) else None
        if isinstance(groups, list) and groups:
            blocks.append(_group_table(f"Fairness: {check.get('name', '')}", groups))
        elif isinstance(groups, dict) and groups:
            rows_list = [
                {"group": k, **(v if isinstance(v, dict) else {"value": v})}
                for k, v in groups.items()
            ]
            blocks.append(_group_table(f"Fairness: {check.get('name', '')}", rows_list))
    return Section("Gate results", blocks)


def _group_table(caption: str, groups: list[Any]) -> Table:
    rows = [g for g in groups if isinstance(g, dict)]
    headers: list[str] = []
    for row in rows:
        headers += [str(k) for k in row if str(k) not in headers]
    body = tuple(tuple(_text(row.get(h)) for h in headers) for row in rows)
    return Table(tuple(headers), body, caption)


def _approvals(store: RegistryStore, standing: Standing) -> Section:
    version = standing.version
    latest = {d.id for d in standing.latest_by_role().values()}
    rows = []
    for d in store.list_approvals(version.model_name, version.version):
        if d.charter_hash != standing.charter_hash:
            status = "lapsed (charter changed)"
        else:
            status = "standing" if d.id in latest else "superseded"
        rows.append(
            (
                d.role,
                d.decision,
                d.actor,
                _text(d.created_at),
                d.note or "—",
                d.evidence or "—",
                status,
            )
        )
    blocks: list[Block] = [
        Paragraph(
            f"Required roles: {', '.join(standing.required_roles)}; four-eyes "
            + ("on" if standing.four_eyes else "off")
            + "."
        )
    ]
    if rows:
        blocks.append(
            Table(("role", "decision", "by", "at", "note", "evidence", "status"), tuple(rows))
        )
    missing = standing.missing_for_production()
    blocks.append(
        Paragraph(
            "Ready for production."
            if not missing
            else "Missing for production: " + "; ".join(missing) + "."
        )
    )
    return Section("Approvals", blocks)


def _deployments(store: RegistryStore, standing: Standing) -> Section:
    name = standing.version.model_name
    rows = tuple(
        (
            str(p.version),
            p.target,
            p.kind,
            _text(p.previous_version),
            p.actor,
            _text(p.created_at),
            p.reason or "—",
        )
        for p in store.list_promotions(name)
    )
    if not rows:
        return Section(
            "Deployment history", [Paragraph(f"No version of {name} has been promoted yet.")]
        )
    return Section(
        "Deployment history",
        [Table(("version", "target", "kind", "replaced", "by", "at", "reason"), rows)],
    )


def _limitations(standing: Standing) -> Section:
    charter, gate = standing.charter, standing.gate
    items: list[str] = []
    if gate is None:
        items.append("Not validated: no gate run is recorded for this version.")
    else:
        for check in gate.report.get("checks", []):
            if isinstance(check, dict) and check.get("verdict") in ("warn", "fail"):
                items.append(
                    f"Gate {check.get('verdict')}: {check.get('name')}: {check.get('reason', '')}"
                )
        items += [str(x) for x in gate.report.get("limitations", []) if isinstance(x, str)]
    if charter.risk.is_below_suggested():
        items.append(
            f"The stated risk tier ({charter.risk.tier}) is below what the factors suggest "
            f"({charter.risk.factors.suggested_tier()})."
        )
    mapped = [
        n for n, f in charter.features.items() if f.type == "category" and f.unseen != "reject"
    ]
    if mapped:
        items.append("Unseen categories are not rejected for: " + ", ".join(mapped) + ".")
    if charter.sensitive:
        items.append(
            "Fairness is checked only across "
            + ", ".join(charter.sensitive)
            + "; other groups are not measured."
        )
    if standing.version.charter_hash != standing.charter_hash:
        items.append("Validated under a charter other than the one it was registered with.")
    return Section("Known limitations", [Bullets(tuple(items or ["None recorded."]))])


def _monitoring(charter: Charter) -> Section:
    m = charter.monitoring
    pairs = (
        ("Window", _text(m.window)),
        ("Reference data", m.reference),
        ("Drift", _text(m.drift.model_dump(mode="json"))),
        ("Input quality", _text(m.quality.model_dump(mode="json"))),
        ("Label delay", _text(m.label_delay)),
        (
            "Performance floors",
            _text({k: b.model_dump(mode="json") for k, b in m.performance.items()}),
        ),
        ("Prediction log", _text(m.log.model_dump(mode="json"))),
        ("Revalidate every", _text(charter.risk.revalidate_every)),
        ("Retraining", charter.retraining.entrypoint if charter.retraining else "—"),
    )
    blocks: list[Block] = [Fields(pairs)]
    if charter.policies:
        rows = tuple(
            (
                p.metric,
                f"above {p.above:g}" if p.above is not None else f"below {p.below:g}",
                str(p.for_windows),
                p.action,
                _text(p.cooldown),
            )
            for p in charter.policies
        )
        blocks.append(
            Table(("metric", "when", "for windows", "action", "cooldown"), rows, "Policies")
        )
    return Section("Monitoring plan", blocks)
