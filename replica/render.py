"""Report documents as HTML bodies, in the markup habits of each platform's editor."""

from __future__ import annotations

from html import escape

from extract.layout import Cell, span_attrs

from .document import Block

#: Per platform: how a paragraph, a heading and a table cell look when its editor saved them.
FLAVORS = {
    # TRS WCM's UEditor: plain paragraphs with indents, tables with <p> in cells.
    "trs": dict(
        p='<p style="text-indent: 2em; line-height: 2em;">{}</p>',
        h='<p style="text-indent: 2em; line-height: 2em;"><strong>{}</strong></p>',
        table='<table border="1" cellspacing="0" cellpadding="0" width="100%" style="border-collapse:collapse;">',
        td='<td{attrs} valign="middle"><p style="text-align:center;">{}</p></td>',
    ),
    # Hanweb pages are usually pasted from Word: MsoNormal paragraphs and spans.
    "hanweb": dict(
        p='<p class="MsoNormal" style="text-indent:32pt;line-height:28pt"><span style="font-family:仿宋_GB2312;font-size:16pt">{}</span></p>',
        h='<p class="MsoNormal" style="text-indent:32pt;line-height:28pt"><span style="font-family:黑体;font-size:16pt">{}</span></p>',
        table='<table class="MsoNormalTable" border="1" cellspacing="0" cellpadding="0" style="border-collapse:collapse;border:none">',
        td='<td{attrs} style="border:solid windowtext 1pt;padding:0cm 5.4pt"><p class="MsoNormal" align="center" style="text-align:center"><span style="font-size:10.5pt">{}</span></p></td>',
    ),
    "nfcms": dict(
        p="<p>&nbsp;&nbsp;{}</p>",
        h="<p>&nbsp;&nbsp;<strong>{}</strong></p>",
        table='<table width="100%" border="1" cellspacing="0" style="border-collapse:collapse" align="center">',
        td='<td{attrs} align="center">{}</td>',
    ),
    "yuanlue": dict(
        p='<p style="line-height:150%;text-indent:2em">{}</p>',
        h='<p style="line-height:150%;text-indent:2em"><b>{}</b></p>',
        table='<table border="1" cellspacing="0" cellpadding="0" align="center" width="90%">',
        td='<td{attrs}><p align="center">{}</p></td>',
    ),
    # Anhui's cluster: paragraphs justified and indented, cells holding a span (as its editor saves them).
    "anhui": dict(
        p='<p style="text-align:justify;text-indent:2em;">{}</p>',
        h='<p style="text-align:justify;text-indent:2em;"><strong>{}</strong></p>',
        table='<table border="1" cellspacing="0" style="border-collapse:collapse;width:100%;">',
        td='<td{attrs} style="border:1px solid #000;text-align:center;"><span>{}</span></td>',
    ),
    "lincang": dict(
        p='<p style="text-indent:2em;">{}</p>',
        h='<p style="text-indent:2em;"><strong>{}</strong></p>',
        table='<table class="ke-zeroborder" border="1" cellpadding="2" cellspacing="0" width="100%">',
        td="<td{attrs}>{}</td>",
    ),
}


def cell_html(cell: Cell, flavor: dict) -> str:
    text = escape(cell.text) if cell.text else "&nbsp;"
    return flavor["td"].format(text, attrs=span_attrs(cell))


def table_html(rows: list[list[Cell]], flavor: dict) -> str:
    body = "".join("<tr>" + "".join(cell_html(c, flavor) for c in row) + "</tr>\n" for row in rows)
    return f"{flavor['table']}\n<tbody>\n{body}</tbody>\n</table>"


def body_html(blocks: list[Block], flavor_name: str, *, skip_title: bool = True) -> str:
    """The report's body as the platform's editor would store it (the title is the page's own)."""
    flavor = FLAVORS[flavor_name]
    out = []
    for i, b in enumerate(blocks):
        if i == 0 and skip_title and b.kind == "h":
            continue
        if b.kind == "table":
            out.append(table_html(b.rows, flavor))
        else:
            out.append(flavor[b.kind].format(escape(b.text)))
    return "\n".join(out)
