"""The unified display report, ``/client_reports/unified_display/{gmaid}``.

LocaliQ display campaigns go under ``campaigns`` and Gannett display campaigns under
``line_items``. Counts are floats as in the API. With ``interval_size=none`` (the default) the
``intervals`` lists are left out; properties without data (a creative's size, video metrics of a
campaign without video) are omitted rather than null.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_localiq.sandbox.documents.context import (
    DayRow,
    ReportContext,
    add_rows,
    campaign_intervals,
    date_or_none,
)
from airflow_provider_localiq.sandbox.documents.params import parse_interval_size, parse_window
from airflow_provider_localiq.sandbox.generators.calendar import TIME_ZONE_NAME, Interval, split
from airflow_provider_localiq.sandbox.generators.metrics import daily, money, ratio
from airflow_provider_localiq.sandbox.generators.randomness import Stream

if TYPE_CHECKING:
    from datetime import date

    from airflow_provider_localiq.sandbox.generators.campaigns import Campaign

_VIDEO_FIELDS = ("video_views", "completed_views")
_CREATIVE_SIZES = ("300x250", "728x90", "160x600")


def build(context: ReportContext) -> dict[str, Any]:
    """Return the unified display report for the requested range."""
    query = context.query
    window = parse_window(query, context.campaigns, "dates", context.today, ("display", "gannett_display"))
    size = parse_interval_size(query, ("none", "day", "calendar_week", "calendar_month"), "none")
    intervals = split(window.start, window.end, size)
    with_intervals = size != "none"

    def day_row(campaign: Campaign, day: date) -> DayRow:
        return _day_row(context, campaign, day)

    campaign_documents, line_items, interval_totals = [], [], []
    for campaign in window.campaigns:
        rows = campaign_intervals(campaign, intervals, day_row)
        if not rows:
            continue
        if campaign.kind == "display":
            campaign_documents.append(_campaign(context, campaign, rows, with_intervals))
        else:
            line_items.append(_line_item(context, campaign, rows, with_intervals))
        interval_totals.append(rows)

    per_interval = [
        (interval, add_rows(row for rows in interval_totals for item, row in rows if item == interval))
        for interval in intervals
    ]
    report_data: dict[str, Any] = {"totals": _summary(add_rows(row for _, row in per_interval))}
    if with_intervals:
        report_data["intervals"] = [
            {"start_date": interval.start.isoformat(), **_summary(row)}
            for interval, row in per_interval
            if row
        ]
    report_data["campaigns"] = campaign_documents
    report_data["line_items"] = line_items
    return {
        "api_name": "unified_display",
        "api_run_date": context.today.isoformat(),
        "earliest_date_available": context.earliest_date_available,
        "start_date": window.start.isoformat(),
        "end_date": window.end.isoformat(),
        "time_zone": TIME_ZONE_NAME,
        "interval_size": size,
        "currency": context.advertiser.currency,
        "global_master_advertiser_id": context.gmaid,
        "advertiser_name": context.advertiser.name,
        "report_data": report_data,
    }


def _day_row(context: ReportContext, campaign: Campaign, day: date) -> DayRow:
    metrics = daily(context.seed, context.gmaid, campaign, day)
    stream = Stream(context.seed, "display", context.gmaid, campaign.gmcid, day.toordinal())
    row: DayRow = {
        "spend_cents": metrics.spend_cents,
        "impressions": metrics.impressions,
        "clicks": metrics.clicks,
    }
    if campaign.kind == "gannett_display":
        row["active_view_centiseconds"] = metrics.impressions * stream.between(20, 60)
        return row
    row.update(
        form_submissions_ct=stream.between(0, 3),
        form_submissions_vt=stream.between(0, 5),
        priority_page_views_ct=stream.between(0, 4),
        priority_page_views_vt=stream.between(0, 4),
        website_visits_vt=stream.between(0, 6),
        walk_ins=stream.between(0, 1) if stream.chance(0.3) else 0,
        div=stream.between(0, 8),
        click_through_conversions=stream.between(0, 3),
        view_through_conversions=stream.between(0, 3),
    )
    if campaign.has_video:
        views = stream.between(0, 20)
        row.update(video_views=views, completed_views=views * stream.between(50, 95) // 100)
    return row


def _summary(row: DayRow) -> dict[str, Any]:
    """The report-wide metrics of ``totals`` and ``intervals``."""
    document: dict[str, Any] = {
        "clicks": float(row.get("clicks", 0)),
        "impressions": float(row.get("impressions", 0)),
        "ctr": ratio(row.get("clicks", 0), row.get("impressions", 0), 100),
    }
    if "video_views" in row:
        document["video_views"] = float(row["video_views"])
    if "click_through_conversions" in row:
        through, view = row["click_through_conversions"], row["view_through_conversions"]
        document.update(
            total_conversions=float(through + view),
            click_through_conversions=float(through),
            view_through_conversions=float(view),
        )
    if "completed_views" in row:
        document["completed_views"] = float(row["completed_views"])
        document["video_complete_rate"] = ratio(row["completed_views"], row["video_views"], 100)
    if "view_through_conversions" in row:
        document["view_thru_rate"] = ratio(row["view_through_conversions"], row.get("impressions", 0), 100)
    return document


def _metrics(row: DayRow) -> dict[str, Any]:
    """The full metric set of a LocaliQ display campaign."""
    spend = row["spend_cents"] / 100
    submissions = row["form_submissions_ct"] + row["form_submissions_vt"]
    document: dict[str, Any] = {
        "spend": money(row["spend_cents"]),
        "impressions": float(row["impressions"]),
        "clicks": float(row["clicks"]),
    }
    for name in (
        "form_submissions_ct",
        "form_submissions_vt",
        "priority_page_views_ct",
        "priority_page_views_vt",
        "website_visits_vt",
        "walk_ins",
    ):
        document[name] = float(row[name])
    document.update(
        ctr=ratio(row["clicks"], row["impressions"], 100),
        cpm=ratio(spend, row["impressions"], 1000),
        cpc=ratio(spend, row["clicks"]),
        cost_per_submission=ratio(spend, submissions),
        div=float(row["div"]),
        cpdiv=ratio(spend, row["div"]),
    )
    summary = _summary(row)
    for name in ("video_views", "total_conversions", "click_through_conversions", "view_through_conversions"):
        if name in summary:
            document[name] = summary[name]
    for name in ("completed_views", "video_complete_rate", "view_thru_rate"):
        if name in summary:
            document[name] = summary[name]
    if "video_views" in row:
        document["cost_per_view"] = ratio(spend, row["video_views"])
    return document


def _interval_metrics(start: date, row: DayRow) -> dict[str, Any]:
    spend = row["spend_cents"] / 100
    document: dict[str, Any] = {
        "start_date": start.isoformat(),
        "spend": money(row["spend_cents"]),
        "impressions": float(row["impressions"]),
        "clicks": float(row["clicks"]),
        "ctr": ratio(row["clicks"], row["impressions"], 100),
        "cpm": ratio(spend, row["impressions"], 1000),
        "cpc": ratio(spend, row["clicks"]),
        "walk_ins": float(row["walk_ins"]),
    }
    for name in _VIDEO_FIELDS:
        if name in row:
            document[name] = float(row[name])
    return document


def _campaign(
    context: ReportContext, campaign: Campaign, rows: list[tuple[Interval, DayRow]], with_intervals: bool
) -> dict[str, Any]:
    document: dict[str, Any] = {
        "name": campaign.name,
        "global_master_campaign_id": campaign.gmcid,
        "organization": campaign.organization,
        "start_date": campaign.start.isoformat(),
        "end_date": date_or_none(campaign.end),
        "type": campaign.kind,
        "status": campaign.status,
        **_metrics(add_rows(row for _, row in rows)),
    }
    if with_intervals:
        document["intervals"] = [_interval_metrics(interval.start, row) for interval, row in rows]
    document["creatives"] = [
        _creative(
            context,
            campaign,
            number,
            [(interval, _share(row, share)) for interval, row in rows],
            with_intervals,
        )
        for number, share in _creative_shares(context, campaign)
    ]
    return document


def _creative(
    context: ReportContext,
    campaign: Campaign,
    number: int,
    rows: list[tuple[Interval, DayRow]],
    with_intervals: bool,
) -> dict[str, Any]:
    stream = Stream(context.seed, "creative", context.gmaid, campaign.gmcid, number)
    document: dict[str, Any] = {
        "creative_id": number,
        "publisher_id": 49,
        "publisher_name": "Simpli.fi API",
        "creative_name": f"{campaign.name} Creative {number}",
    }
    if number == 1:
        document.update(creative_type="Image", creative_size=stream.choice(_CREATIVE_SIZES))
    document.update(
        creative_template_id=1000 + stream.below(9000),
        native_style_id=5000 + stream.below(1000),
        preview_url=f"https://creatives.example.com/preview/{campaign.gmcid.lower()}-{number}.png",
    )
    document.update(_creative_metrics(add_rows(row for _, row in rows)))
    if with_intervals:
        document["intervals"] = [
            {"start_date": interval.start.isoformat(), **_creative_metrics(row)} for interval, row in rows
        ]
    return document


def _creative_metrics(row: DayRow) -> dict[str, Any]:
    spend = row.get("spend_cents", 0) / 100
    return {
        "spend": money(row.get("spend_cents", 0)),
        "impressions": float(row.get("impressions", 0)),
        "clicks": float(row.get("clicks", 0)),
        "ctr": ratio(row.get("clicks", 0), row.get("impressions", 0), 100),
        "cpm": ratio(spend, row.get("impressions", 0), 1000),
        "cpc": ratio(spend, row.get("clicks", 0)),
    }


def _creative_shares(context: ReportContext, campaign: Campaign) -> list[tuple[int, int]]:
    """Percent of the campaign's delivery each creative carries; a negative share means "the rest"."""
    first = Stream(context.seed, "creative-share", context.gmaid, campaign.gmcid).between(35, 70)
    return [(1, first), (2, -first)]


def _share(row: DayRow, share: int) -> DayRow:
    keys = ("spend_cents", "impressions", "clicks", "active_view_centiseconds")
    part = {key: row[key] * abs(share) // 100 for key in keys if key in row}
    if share < 0:
        return {key: row[key] - part[key] for key in part}
    return part


def _line_item(
    context: ReportContext, campaign: Campaign, rows: list[tuple[Interval, DayRow]], with_intervals: bool
) -> dict[str, Any]:
    line_item_id = abs(int(campaign.gmcid.split("_", 1)[1]))
    document: dict[str, Any] = {
        "name": campaign.name,
        "line_item_id": line_item_id,
        "organization": campaign.organization,
        **_line_item_metrics(add_rows(row for _, row in rows)),
    }
    if with_intervals:
        document["intervals"] = [
            {"start_date": interval.start.isoformat(), **_line_item_metrics(row)} for interval, row in rows
        ]
    creatives = []
    for number, share in _creative_shares(context, campaign):
        shared = [(interval, _share(row, share)) for interval, row in rows]
        creative: dict[str, Any] = {
            "creative_id": number,
            "publisher_id": 2117,
            "publisher_name": "DoubleClick",
            "name": f"{campaign.name} Creative {number}",
            **_line_item_metrics(add_rows(row for _, row in shared)),
        }
        if with_intervals:
            creative["intervals"] = [
                {"start_date": interval.start.isoformat(), **_line_item_metrics(row)}
                for interval, row in shared
            ]
        creatives.append(creative)
    document["creatives"] = creatives
    return document


def _line_item_metrics(row: DayRow) -> dict[str, Any]:
    return {
        "impressions": float(row.get("impressions", 0)),
        "clicks": float(row.get("clicks", 0)),
        "total_active_time_view": money(row.get("active_view_centiseconds", 0)),
        "ctr": ratio(row.get("clicks", 0), row.get("impressions", 0), 100),
    }
