"""The daily summary on A4 with reportlab: headline figures, sales by hour and by
category as charts (reportlab graphics), payment methods, products, and a line to sign.
Data in, PDF bytes out; text is placed in table cells as plain strings, never markup."""

from __future__ import annotations

import io
from typing import Any

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

from pos.money import format_money
from pos.receipts.pdf import BOLD, FONT, register_fonts

BRAND = colors.HexColor("#0f5c5a")
ACCENT = colors.HexColor("#f4b942")
GRID = colors.HexColor("#d9dedc")


WIDTH = A4[0] - 32 * mm
HEADING_STYLE = TableStyle(
    [
        ("FONT", (0, 0), (0, 0), BOLD, 14),
        ("FONT", (1, 0), (1, 0), BOLD, 12),
        ("FONT", (0, 1), (-1, 1), FONT, 9),
        ("ALIGN", (1, 0), (1, -1), "RIGHT"),
        ("TEXTCOLOR", (0, 0), (0, 0), BRAND),
    ]
)


def _heading(who: str, document: str, where: str, when: str) -> Table:
    """The top of every report: who and where on the left, the document and its day on
    the right."""
    head = Table([[who, document], [where, when]], colWidths=[WIDTH * 0.6, WIDTH * 0.4])
    head.setStyle(HEADING_STYLE)
    return head


def _build(story: list[Any], title: str) -> bytes:
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=16 * mm,
        rightMargin=16 * mm,
        topMargin=14 * mm,
        bottomMargin=14 * mm,
        title=title,
        author="Pameran POS",
    )
    document.build(story)
    return buffer.getvalue()


def _table(
    rows: list[list[Any]],
    widths: list[float],
    *,
    header: bool = True,
    numeric_from: int = 1,
    numeric_to: int = -1,
) -> Table:
    """A plain table; columns numeric_from..numeric_to (amounts) are right-aligned."""
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
    style = [
        ("FONT", (0, 0), (-1, -1), FONT, 9),
        ("ALIGN", (numeric_from, 0), (numeric_to, -1), "RIGHT"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.3, GRID),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    if header:
        style += [
            ("FONT", (0, 0), (-1, 0), BOLD, 9),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
        ]
    table.setStyle(TableStyle(style))
    return table


def _hour_chart(by_hour: list[dict[str, int]], width: float) -> Drawing:
    values = [0] * 24
    for row in by_hour:
        values[row["hour"]] = max(row["amount"], 0)
    drawing = Drawing(width, 55 * mm)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 12 * mm, 8 * mm, width - 16 * mm, 42 * mm
    chart.data = [values]
    chart.categoryAxis.categoryNames = [f"{h:02d}" if h % 3 == 0 else "" for h in range(24)]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.visible = False
    chart.valueAxis.valueMin = 0
    chart.bars[0].fillColor = BRAND
    chart.bars.strokeColor = None
    drawing.add(chart)
    return drawing


def _category_chart(items: list[tuple[str, int]], width: float) -> Drawing:
    height = max(len(items), 1) * 7 * mm + 6 * mm
    drawing = Drawing(width, height)
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 30 * mm, 3 * mm, width - 34 * mm, height - 6 * mm
    chart.data = [[max(v, 0) for _k, v in items] or [0]]
    chart.categoryAxis.categoryNames = [k for k, _v in items] or [""]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 8
    chart.valueAxis.visible = False
    chart.valueAxis.valueMin = 0
    chart.bars[0].fillColor = ACCENT
    chart.bars.strokeColor = None
    drawing.add(chart)
    return drawing


def render_daily_summary(summary: dict[str, Any], words: dict[str, str], locale: str) -> bytes:
    """``words``: the page's labels in the reader's language (category and method names
    under ``category:<slug>`` and ``method:<slug>``)."""
    register_fonts()

    def money(amount: int) -> str:
        return format_money(amount, summary["currency"], locale)

    title = f"{words['title']} {summary['booth']} {summary['date']}"
    width = WIDTH
    story: list[Any] = []
    head = _heading(
        f"{summary['booth']} · {summary['name']}",
        words["title"],
        summary.get("event", ""),
        summary["date_label"],
    )
    story += [head, Spacer(0, 4 * mm)]
    figures = [
        [words["net"], money(summary["net"]), words["transactions"], str(summary["transactions"])],
        [words["gross"], money(summary["gross"]), words["items_sold"], str(summary["items_sold"])],
        [
            words["discounts"],
            f"−{money(summary['discounts'])}",
            words["voids"],
            money(summary["voids"]),
        ],
        [words["refunds"], f"−{money(summary['refunds'])}", words["tax"], money(summary["tax"])],
    ]
    figure_table = _table(figures, [width * 0.25] * 4, header=False)
    figure_table.setStyle(
        TableStyle([("FONT", (0, 0), (1, 0), BOLD, 11), ("ALIGN", (2, 0), (2, -1), "LEFT")])
    )
    story += [figure_table, Spacer(0, 5 * mm)]
    story += [
        _table([[words["by_hour"]]], [width], header=True),
        _hour_chart(summary["by_hour"], width),
    ]
    categories = sorted(summary["by_category"].items(), key=lambda kv: -kv[1])
    story += [
        _table(
            [[words["by_category"], ""]]
            + [[words.get(f"category:{k}", k), money(v)] for k, v in categories],
            [width * 0.7, width * 0.3],
        ),
        # The chart draws its first bar at the bottom: largest last, so it stands on top.
        _category_chart(
            [(words.get(f"category:{k}", k), v) for k, v in reversed(categories)], width
        ),
        Spacer(0, 3 * mm),
        _table(
            [[words["by_payment_method"], ""]]
            + [
                [words.get(f"method:{k}", k), money(v)]
                for k, v in summary["by_payment_method"].items()
            ],
            [width * 0.7, width * 0.3],
        ),
        Spacer(0, 5 * mm),
        _table(
            [[words["sku"], words["product"], words["quantity"], words["amount"]]]
            + [
                [row["sku"], row["name"][:70], str(row["quantity"]), money(row["amount"])]
                for row in summary["by_product"]
            ],
            [width * 0.18, width * 0.52, width * 0.1, width * 0.2],
            numeric_from=2,
        ),
        Spacer(0, 14 * mm),
        _table(
            [[words["signature"], "", words["printed"]]],
            [width * 0.4, width * 0.2, width * 0.4],
            header=False,
        ),
    ]
    return _build(story, title)


def render_day_close(close: dict[str, Any], words: dict[str, str], locale: str) -> bytes:
    """The Z report on A4: the day's figures, each shift's cash, each method's money, the
    voids and refunds with their reasons, and lines to sign."""
    register_fonts()

    def money(amount: int | None) -> str:
        return "" if amount is None else format_money(amount, close["currency"], locale)

    title = f"{words['title']} {close['booth']} {close['date']}"
    width = WIDTH
    summary = close["summary"]
    head = _heading(
        f"{close['booth']} · {close['name']}", words["title"], close["event"], close["date_label"]
    )
    story: list[Any] = [head, Spacer(0, 4 * mm)]
    story.append(
        _table(
            [
                [
                    words["net"],
                    money(summary["net"]),
                    words["transactions"],
                    str(summary["transactions"]),
                ],
                [
                    words["refunds"],
                    money(summary["refunds"]),
                    words["voids"],
                    money(summary["voids"]),
                ],
            ],
            [width * 0.25] * 4,
            header=False,
        )
    )
    story.append(Spacer(0, 4 * mm))
    story.append(
        _table(
            [[words["method"], words["amount"]]]
            + [
                [words.get(f"method:{m}", m), money(v)]
                for m, v in summary["by_payment_method"].items()
            ],
            [width * 0.7, width * 0.3],
        )
    )
    story.append(Spacer(0, 4 * mm))
    shift_rows = [
        [words["shift"], words["float"], words["expected"], words["counted"], words["difference"]]
    ]
    for s in close["shifts"]:
        label = f"{s['opened']}–{s['closed'] or '…'} {s['opened_by']}" + (
            f" ({s['register']})" if s["register"] else ""
        )
        shift_rows.append(
            [
                label,
                money(s["opening_float"]),
                money(s["expected_cash"]),
                money(s["counted_cash"]),
                money(s["difference"]),
            ]
        )
    if len(shift_rows) == 1:
        shift_rows.append([words["no_shift"], "", "", "", ""])
    story.append(
        _table(shift_rows, [width * 0.28, width * 0.18, width * 0.18, width * 0.18, width * 0.18])
    )
    story.append(Spacer(0, 4 * mm))
    void_rows = [[words["voids"], words["time"], words["amount"], words["reason"], words["by"]]]
    void_rows += [
        [v["receipt_number"], v["time"], money(v["total"]), v["reason"][:60], v["by"]]
        for v in close["voids"]
    ]
    story.append(
        _table(
            void_rows,
            [width * 0.18, width * 0.1, width * 0.17, width * 0.35, width * 0.2],
            numeric_from=2,
            numeric_to=2,
        )
    )
    story.append(Spacer(0, 4 * mm))
    refund_rows = [[words["refunds"], words["time"], words["amount"], words["reason"], words["by"]]]
    refund_rows += [
        [
            f"{r['refund_number']} ({r['receipt_number']})",
            r["time"],
            money(r["amount"]),
            r["reason"][:60],
            r["by"],
        ]
        for r in close["refunds"]
    ]
    story.append(
        _table(
            refund_rows,
            [width * 0.25, width * 0.08, width * 0.15, width * 0.32, width * 0.2],
            numeric_from=2,
            numeric_to=2,
        )
    )
    story.append(Spacer(0, 16 * mm))
    story.append(
        _table(
            [[words["cashier_signature"], "", words["manager_signature"]]],
            [width * 0.45, width * 0.1, width * 0.45],
            header=False,
        )
    )
    return _build(story, title)


def render_settlement(statement: dict[str, Any], words: dict[str, str], locale: str) -> bytes:
    """The settlement statement on A4: the booth's event by day, by payment method, and
    what it owes the organizer, with lines for both to sign."""
    register_fonts()

    def money(amount: int) -> str:
        return format_money(amount, statement["currency"], locale)

    title = f"{words['title']} {statement['booth']}"
    width = WIDTH
    head = _heading(
        f"{statement['booth']} · {statement['name']}",
        words["title"],
        statement["owner_name"],
        statement["event"],
    )
    rows = [
        [
            words["date"],
            words["transactions"],
            words["gross"],
            words["discounts"],
            words["refunds"],
            words["net"],
        ]
    ]
    for day in statement["days"]:
        rows.append(
            [
                day["date"],
                str(day["transactions"]),
                money(day["gross"]),
                money(day["discounts"]),
                money(day["refunds"]),
                money(day["net"]),
            ]
        )
    rows.append(
        [
            words["total"],
            str(statement["transactions"]),
            money(statement["gross"]),
            money(statement["discounts"]),
            money(statement["refunds"]),
            money(statement["net"]),
        ]
    )
    days = _table(
        rows, [width * 0.16, width * 0.12, width * 0.18, width * 0.18, width * 0.18, width * 0.18]
    )
    days.setStyle(TableStyle([("FONT", (0, -1), (-1, -1), BOLD, 9)]))
    methods = _table(
        [[words["method"], words["amount"]]]
        + [
            [words.get(f"method:{m}", m), money(v)]
            for m, v in statement["by_payment_method"].items()
        ],
        [width * 0.7, width * 0.3],
    )
    owed = _table(
        [
            [words["net"], money(statement["net"])],
            [words["commission"], money(statement["commission"])],
            [words["booth_fee"], money(statement["booth_fee"])],
            [words["owed"], money(statement["owed_to_organizer"])],
        ],
        [width * 0.7, width * 0.3],
        header=False,
    )
    owed.setStyle(
        TableStyle(
            [
                ("FONT", (0, -1), (-1, -1), BOLD, 11),
                ("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black),
            ]
        )
    )
    story = [
        head,
        Spacer(0, 5 * mm),
        days,
        Spacer(0, 5 * mm),
        methods,
        Spacer(0, 5 * mm),
        owed,
        Spacer(0, 18 * mm),
        _table(
            [[words["exhibitor_signature"], "", words["organizer_signature"]]],
            [width * 0.45, width * 0.1, width * 0.45],
            header=False,
        ),
    ]
    return _build(story, title)


def render_event_report(report: dict[str, Any], words: dict[str, str], locale: str) -> bytes:
    """The event report for the organizer (and the ministry): the headline transaction
    value, the trend per day, splits by category, region, payment method and buyer
    origin as charts, and the table of exhibitors."""
    register_fonts()

    def money(amount: int) -> str:
        return format_money(amount, report["currency"], locale)

    title = f"{words['title']} {report['event']}"
    width = WIDTH
    head = _heading(report["event"], words["title"], report.get("venue", ""), report["period"])
    figures = _table(
        [
            [
                words["net"],
                money(report["net"]),
                words["transactions"],
                f"{report['transactions']:,}".replace(",", "."),
            ],
            [
                words["gross"],
                money(report["gross"]),
                words["items_sold"],
                f"{report['items_sold']:,}".replace(",", "."),
            ],
            [
                words["discounts"],
                money(report["discounts"]),
                words["exhibitors"],
                str(report["exhibitors"]),
            ],
            [words["refunds"], money(report["refunds"]), words["voids"], money(report["voids"])],
        ],
        [width * 0.25] * 4,
        header=False,
    )
    figures.setStyle(
        TableStyle([("FONT", (0, 0), (1, 0), BOLD, 12), ("ALIGN", (2, 0), (2, -1), "LEFT")])
    )
    story: list[Any] = [head, Spacer(0, 4 * mm), figures, Spacer(0, 5 * mm)]
    if report["by_day"]:
        story += [
            _table(
                [[words["per_day"], ""]]
                + [[d["label"], money(d["net"])] for d in report["by_day"]],
                [width * 0.7, width * 0.3],
            ),
            _category_chart([(d["label"], d["net"]) for d in reversed(report["by_day"])], width),
            Spacer(0, 3 * mm),
        ]
    for key in ("by_category", "by_region", "by_payment_method", "by_origin"):
        items = sorted(report[key].items(), key=lambda kv: -kv[1])
        story += [
            _table(
                [[words[key], ""]] + [[words.get(f"{key}:{k}", k), money(v)] for k, v in items],
                [width * 0.7, width * 0.3],
            ),
            _category_chart([(words.get(f"{key}:{k}", k), v) for k, v in reversed(items)], width),
            Spacer(0, 3 * mm),
        ]
    rows = [
        [words["booth"], words["exhibitor"], words["region"], words["transactions"], words["net"]]
    ]
    rows += [
        [r["booth"], r["name"][:48], r["region"], str(r["transactions"]), money(r["net"])]
        for r in report["by_exhibitor"]
    ]
    story.append(
        _table(
            rows,
            [width * 0.1, width * 0.42, width * 0.16, width * 0.12, width * 0.2],
            numeric_from=3,
        )
    )
    return _build(story, title)
