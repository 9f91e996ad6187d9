"""The summary record as files: CSV (the contract's columns), Markdown and HTML (Jinja2 templates),
XLSX, and the charts.  Renders the data `bot.domain` gathers (`summary`, `record_rows`,
`group_record`) with the labels of `bot.views.labels`.  Beside `bot.slack`, independent of it.
"""
