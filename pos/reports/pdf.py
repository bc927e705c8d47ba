"""The reports on A4 with reportlab: the daily summary, the day close (Z report), the
settlement statement and the event report, with charts (reportlab graphics) and lines
to sign. Data in, PDF bytes out; text is placed in table cells as plain strings, never
markup. Money, signs, counts and dates are written by pos/formats.py for the reader's
locale: amounts taken off (discounts, refunds) with the minus sign, days as the reader
writes them."""

from __future__ import annotations

import io
from functools import partial
from typing import Any

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import KeepTogether, SimpleDocTemplate, Spacer, Table, TableStyle

from pos.formats import (
    format_count,
    format_day,
    format_deduction,
    format_difference,
    format_money,
)
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
    signatures: list[tuple[str, float]] | None = None,
    gap: float = 14 * mm,
    keep_last: int = 3,
    spans: tuple[int, ...] | list[int] = (),
) -> Table:
    """A plain table; columns numeric_from..numeric_to (amounts) are right-aligned.

    ``signatures`` (texts and their share of the width) puts the lines to sign under the
    table, in one last row spanning it, which never parts from the table's last
    ``keep_last`` rows: the signatures never stand alone on a page (a long table still
    flows over pages, its header repeated). Rows in ``spans`` hold one text across the
    table's width."""
    body = len(rows)
    if signatures:
        inner = sum(widths) - 12  # the spanning cell's own padding, 6 pt each side
        lines = Table(
            [[text for text, _share in signatures]], [inner * share for _t, share in signatures]
        )
        lines.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), FONT, 9),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                    ("TOPPADDING", (0, 0), (-1, -1), 0),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
                ]
            )
        )
    rows = [
        [
            _fit(cell, BOLD if header and r == 0 else FONT, sum(widths) if r in spans else width)
            if isinstance(cell, str)
            else cell
            for cell, width in zip(row, widths, strict=True)
        ]
        for r, row in enumerate(rows)
    ]
    if signatures:
        rows = [*rows, [[Spacer(0, gap), lines]] + [""] * (len(widths) - 1)]
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
    style = [
        ("FONT", (0, 0), (-1, -1), FONT, 9),
        ("ALIGN", (numeric_from, 0), (numeric_to, body - 1), "RIGHT"),
        ("LINEBELOW", (0, 0), (-1, body - 1), 0.3, GRID),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    if header:
        style += [
            ("FONT", (0, 0), (-1, 0), BOLD, 9),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
        ]
    style += [("SPAN", (0, r), (-1, r)) for r in spans]
    if signatures:
        style += [
            ("SPAN", (0, body), (-1, body)),
            ("TOPPADDING", (0, body), (-1, body), 0),
            ("NOSPLIT", (0, max(body - keep_last, 0)), (-1, body)),
        ]
    table.setStyle(TableStyle(style))
    return table


def _fit(text: str, font: str, width: float) -> str:
    """A cell's text in lines that fit its column (reportlab draws one line per "\n"),
    broken between words only: an amount or a code is never cut."""
    lines: list[str] = []
    for word in text.split(" "):
        if lines and stringWidth(f"{lines[-1]} {word}", font, 9) <= width - 12:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return "\n".join(lines)


def _figures(rows: list[list[str]], size: float) -> Table:
    """The headline figures: label and amount, label and amount; the first amount large.
    The amount columns hold Rp54.154.747.500 (or IDR 54,154,747,500) at that size."""
    widths = [WIDTH * 0.25, WIDTH * 0.3, WIDTH * 0.27, WIDTH * 0.18]
    table = _table(rows, widths, header=False)
    table.setStyle(
        TableStyle([("FONT", (0, 0), (1, 0), BOLD, size), ("ALIGN", (2, 0), (2, -1), "LEFT")])
    )
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
    money = partial(format_money, currency=summary["currency"], locale=locale)
    minus = partial(format_deduction, currency=summary["currency"], locale=locale)
    count = partial(format_count, locale=locale)

    title = f"{words['title']} {summary['booth']} {summary['date_label']}"
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
        [
            words["net"],
            money(summary["net"]),
            words["transactions"],
            count(summary["transactions"]),
        ],
        [
            words["gross"],
            money(summary["gross"]),
            words["items_sold"],
            count(summary["items_sold"]),
        ],
        [words["discounts"], minus(summary["discounts"]), words["voids"], money(summary["voids"])],
        [words["refunds"], minus(summary["refunds"]), words["tax"], money(summary["tax"])],
    ]
    story += [_figures(figures, 11), Spacer(0, 5 * mm)]
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
    ]
    products = _table(
        [[words["sku"], words["product"], words["quantity"], words["amount"]]]
        + [
            [row["sku"], row["name"][:70], count(row["quantity"]), money(row["amount"])]
            for row in summary["by_product"]
        ],
        [width * 0.18, width * 0.52, width * 0.1, width * 0.2],
        numeric_from=2,
        signatures=[(words["signature"], 0.6), (words["printed"], 0.4)],
    )
    story.append(products)
    return _build(story, title)


def render_day_close(close: dict[str, Any], words: dict[str, str], locale: str) -> bytes:
    """The Z report on A4: the day's figures, each shift's cash, each method's money, the
    voids and refunds with their reasons, and lines to sign."""
    register_fonts()

    def money(amount: int | None) -> str:
        return "" if amount is None else format_money(amount, close["currency"], locale)

    def difference(amount: int | None) -> str:
        return "" if amount is None else format_difference(amount, close["currency"], locale)

    minus = partial(format_deduction, currency=close["currency"], locale=locale)
    title = f"{words['title']} {close['booth']} {close['date_label']}"
    width = WIDTH
    summary = close["summary"]
    head = _heading(
        f"{close['booth']} · {close['name']}", words["title"], close["event"], close["date_label"]
    )
    story: list[Any] = [head, Spacer(0, 4 * mm)]
    story.append(
        _figures(
            [
                [
                    words["net"],
                    money(summary["net"]),
                    words["transactions"],
                    format_count(summary["transactions"], locale),
                ],
                [
                    words["refunds"],
                    minus(summary["refunds"]),
                    words["voids"],
                    money(summary["voids"]),
                ],
            ],
            9,
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
                difference(s["difference"]),
            ]
        )
    spans = []
    if len(shift_rows) == 1:
        shift_rows.append([words["no_shift"], "", "", "", ""])
        spans = [1]
    story.append(
        _table(
            shift_rows,
            [width * 0.28, width * 0.18, width * 0.18, width * 0.18, width * 0.18],
            spans=spans,
        )
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
            signatures=[(words["cashier_signature"], 0.55), (words["manager_signature"], 0.45)],
            gap=16 * mm,
        )
    )
    return _build(story, title)


def settlement_day_rows(
    figures: dict[str, Any], words: dict[str, str], locale: str, currency: str
) -> list[list[str]]:
    """A booth's event figures by day as table rows (heading, each day, the total): the
    settlement's and the sales statement's (pos/statements/pdf.py) same table."""
    money = partial(format_money, currency=currency, locale=locale)
    minus = partial(format_deduction, currency=currency, locale=locale)
    columns = ("transactions", "gross", "discounts", "refunds", "net")
    rows = [[words["date"], *(words[c] for c in columns)]]

    def figures_of(values: dict[str, Any]) -> list[str]:
        return [
            format_count(values["transactions"], locale),
            money(values["gross"]),
            minus(values["discounts"]),
            minus(values["refunds"]),
            money(values["net"]),
        ]

    for day in figures["days"]:
        rows.append([format_day(day["date"], locale), *figures_of(day)])
    rows.append([words["total"], *figures_of(figures)])
    return rows


def render_settlement(statement: dict[str, Any], words: dict[str, str], locale: str) -> bytes:
    """The settlement statement on A4: the booth's event by day, by payment method, and
    what it owes the organizer, with lines for both to sign."""
    register_fonts()

    money = partial(format_money, currency=statement["currency"], locale=locale)

    title = f"{words['title']} {statement['booth']}"
    width = WIDTH
    head = _heading(
        f"{statement['booth']} · {statement['name']}",
        words["title"],
        statement["owner_name"],
        statement["event"],
    )
    rows = settlement_day_rows(statement, words, locale, statement["currency"])
    days = _table(rows, [width * w for w in (0.15, 0.15, 0.17, 0.17, 0.17, 0.19)])
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
        signatures=[(words["exhibitor_signature"], 0.55), (words["organizer_signature"], 0.45)],
        gap=18 * mm,
    )
    owed.setStyle(
        TableStyle(
            [
                ("FONT", (0, 3), (-1, 3), BOLD, 11),
                ("LINEABOVE", (0, 3), (-1, 3), 0.8, colors.black),
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
    ]
    return _build(story, title)


def render_event_report(report: dict[str, Any], words: dict[str, str], locale: str) -> bytes:
    """The event report for the organizer (and the ministry): the headline transaction
    value, the trend per day, splits by category, region, payment method and buyer
    origin as charts, and the table of exhibitors."""
    register_fonts()

    money = partial(format_money, currency=report["currency"], locale=locale)
    minus = partial(format_deduction, currency=report["currency"], locale=locale)
    count = partial(format_count, locale=locale)

    title = f"{words['title']} {report['event']}"
    width = WIDTH
    head = _heading(report["event"], words["title"], report.get("venue", ""), report["period"])
    figures = _figures(
        [
            [
                words["net"],
                money(report["net"]),
                words["transactions"],
                count(report["transactions"]),
            ],
            [
                words["gross"],
                money(report["gross"]),
                words["items_sold"],
                count(report["items_sold"]),
            ],
            [
                words["discounts"],
                minus(report["discounts"]),
                words["exhibitors"],
                count(report["exhibitors"]),
            ],
            [words["refunds"], minus(report["refunds"]), words["voids"], money(report["voids"])],
        ],
        12,
    )
    story: list[Any] = [head, Spacer(0, 4 * mm), figures, Spacer(0, 5 * mm)]
    if report["by_day"]:
        days = list(reversed(report["by_day"]))
        story += [
            # Each table with its chart: a chart never opens the next page on its own.
            KeepTogether(
                [
                    _table(
                        [[words["per_day"], ""]]
                        + [[format_day(d["date"], locale), money(d["net"])] for d in days[::-1]],
                        [width * 0.7, width * 0.3],
                    ),
                    _category_chart(
                        [(format_day(d["date"], locale, "short_weekday"), d["net"]) for d in days],
                        width,
                    ),
                ]
            ),
            Spacer(0, 3 * mm),
        ]
    for key in ("by_category", "by_region", "by_payment_method", "by_origin"):
        items = sorted(report[key].items(), key=lambda kv: -kv[1])
        labels = [(words.get(f"{key}:{k}", k), v) for k, v in items]
        story += [
            KeepTogether(
                [
                    _table(
                        [[words[key], ""]] + [[label, money(v)] for label, v in labels],
                        [width * 0.7, width * 0.3],
                    ),
                    _category_chart(labels[::-1], width),
                ]
            ),
            Spacer(0, 3 * mm),
        ]
    rows = [
        [words["booth"], words["exhibitor"], words["region"], words["transactions"], words["net"]]
    ]
    rows += [
        [r["booth"], r["name"][:48], r["region"], count(r["transactions"]), money(r["net"])]
        for r in report["by_exhibitor"]
    ]
    story.append(
        _table(
            rows,
            [width * w for w in (0.09, 0.37, 0.16, 0.16, 0.22)],
            numeric_from=3,
        )
    )
    return _build(story, title)
