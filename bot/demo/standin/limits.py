"""What Slack refuses in a message or a view, checked the way Slack checks it.

Each block, attachment and view goes through slack_sdk's own models (`Block.parse`, `View`,
`to_dict()`, which runs every `JsonValidator` down to nested elements and text objects), so the
stand-in's idea of valid Block Kit is not one the project wrote. Slack's documented limits that
those models leave unchecked are added here, each with the error code Slack answers:

- chat.postMessage / chat.update / chat.postEphemeral (docs.slack.dev/reference/methods/
  chat.postMessage): `msg_too_long` for text over 40,000 characters, `invalid_blocks` for a block
  Slack would not render (more than 50, a duplicate `block_id`, an input's `initial_value` past its
  `max_length`), `msg_blocks_too_long` when the text across one message's blocks exceeds 12,000
  characters, `invalid_attachments` / `too_many_attachments` (over 100).
- views.open / push / update / publish: `invalid_arguments` for any view Slack would not render
  (no blocks or more than 100, a title, submit or close over 24 characters, `private_metadata`
  over 3,000), and `view_too_large` over 250 kB.

A refusal carries Slack-style `response_metadata.messages`, naming the offending place with a JSON
pointer, so a failing test says which block broke which rule.
"""

from __future__ import annotations

import inspect
import json
import logging
from collections.abc import Iterator
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.attachments import Attachment
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MESSAGE_TEXT_LIMIT = 40_000
MESSAGE_BLOCKS_LIMIT = 50
BLOCKS_TEXT_LIMIT = 12_000
ATTACHMENTS_LIMIT = 100
VIEW_BLOCKS_LIMIT = 100
VIEW_BYTES_LIMIT = 250_000
VIEW_LABEL_LIMIT = 24
PRIVATE_METADATA_LIMIT = 3_000
INPUT_LENGTH_LIMIT = 3_000

_ATTACHMENT_FIELDS = frozenset(inspect.signature(Attachment.__init__).parameters) - {"self"}
# slack_sdk logs "Unknown block detected and skipped" before we refuse the block ourselves.
logging.getLogger("slack_sdk.models.blocks.blocks").setLevel(logging.ERROR)


class Refusal(Exception):
    """Slack's answer to content it will not take: an error code and its messages."""

    def __init__(self, error: str, message: str) -> None:
        super().__init__(f"{error}: {message}")
        self.error = error
        self.messages = [f"[ERROR] {message}"]


def check_message(params: dict[str, Any]) -> None:
    """Refuse a chat.postMessage / update / postEphemeral body as Slack would."""
    text = params.get("text")
    if isinstance(text, str) and len(text) > MESSAGE_TEXT_LIMIT:
        raise Refusal("msg_too_long", f"text is {len(text)} characters; Slack takes 40,000")
    blocks = params.get("blocks")
    if blocks is not None:
        _check_blocks(blocks, limit=MESSAGE_BLOCKS_LIMIT, error="invalid_blocks", where="/blocks")
        total = sum(len(piece) for piece in _texts(blocks))
        if total > BLOCKS_TEXT_LIMIT:
            raise Refusal(
                "msg_blocks_too_long",
                f"the blocks hold {total} characters of text; Slack takes about 12,000",
            )
    attachments = params.get("attachments")
    if attachments is not None:
        _check_attachments(attachments)


def check_view(view: Any) -> None:
    """Refuse a view (modal or App Home) as views.open / update / publish would."""
    if not isinstance(view, dict) or view.get("type") not in ("modal", "home"):
        raise Refusal("invalid_arguments", "view must be an object of type modal or home")
    size = len(json.dumps(view, ensure_ascii=False).encode())
    if size > VIEW_BYTES_LIMIT:
        raise Refusal("view_too_large", f"the view is {size} bytes; Slack takes 250 kB")
    blocks = view.get("blocks")
    if not isinstance(blocks, list) or not blocks:
        raise Refusal("invalid_arguments", "a view needs between 1 and 100 blocks [/view/blocks]")
    _check_blocks(blocks, limit=VIEW_BLOCKS_LIMIT, error="invalid_arguments", where="/view/blocks")
    if view["type"] == "modal" and not isinstance(view.get("title"), dict):
        raise Refusal("invalid_arguments", "a modal needs a title [/view/title]")
    for key in ("title", "submit", "close"):
        label = view.get(key)
        if isinstance(label, dict) and len(str(label.get("text", ""))) > VIEW_LABEL_LIMIT:
            raise Refusal("invalid_arguments", f"must be at most 24 characters [/view/{key}/text]")
    metadata = view.get("private_metadata")
    if isinstance(metadata, str) and len(metadata) > PRIVATE_METADATA_LIMIT:
        raise Refusal(
            "invalid_arguments", "must be at most 3000 characters [/view/private_metadata]"
        )
    try:
        View(**view).validate_json()
    except (SlackObjectFormationError, TypeError, ValueError, KeyError, AttributeError) as exc:
        raise Refusal("invalid_arguments", f"{exc} [/view]") from exc


def _check_blocks(blocks: Any, *, limit: int, error: str, where: str) -> None:
    if not isinstance(blocks, list):
        raise Refusal(error, f"must be an array [{where}]")
    if len(blocks) > limit:
        raise Refusal(error, f"{len(blocks)} blocks; Slack takes at most {limit} [{where}]")
    seen: set[str] = set()
    for index, block in enumerate(blocks):
        place = f"{where}/{index}"
        if not isinstance(block, dict):
            raise Refusal(error, f"a block must be an object [{place}]")
        try:
            parsed = Block.parse(block)
            if parsed is None:
                raise Refusal(error, f"unknown block type {block.get('type')!r} [{place}]")
            parsed.to_dict()  # runs every validator, nested elements and text objects included
        except (SlackObjectFormationError, TypeError, ValueError, KeyError, AttributeError) as exc:
            raise Refusal(error, f"{exc} [{place}]") from exc
        block_id = block.get("block_id")
        if isinstance(block_id, str):
            if block_id in seen:
                raise Refusal(error, f"duplicate block_id {block_id!r} [{place}/block_id]")
            seen.add(block_id)
        _check_inputs(block, error=error, place=place)


def _check_inputs(block: dict[str, Any], *, error: str, place: str) -> None:
    """An input may not be pre-filled past its own max_length (nor past Slack's 3,000)."""
    for path, element in _elements(block, place):
        if element.get("type") != "plain_text_input":
            continue
        max_length = element.get("max_length")
        if isinstance(max_length, int) and max_length > INPUT_LENGTH_LIMIT:
            raise Refusal(error, f"max_length must be at most 3000 [{path}/max_length]")
        initial = element.get("initial_value")
        if not isinstance(initial, str):
            continue
        bound = max_length if isinstance(max_length, int) else INPUT_LENGTH_LIMIT
        if len(initial) > bound:
            raise Refusal(
                error,
                f"initial_value is {len(initial)} characters, over max_length {bound} "
                f"[{path}/initial_value]",
            )


def _elements(block: dict[str, Any], place: str) -> Iterator[tuple[str, dict[str, Any]]]:
    element = block.get("element")
    if isinstance(element, dict):
        yield f"{place}/element", element
    accessory = block.get("accessory")
    if isinstance(accessory, dict):
        yield f"{place}/accessory", accessory
    for index, item in enumerate(block.get("elements") or []):
        if isinstance(item, dict):
            yield f"{place}/elements/{index}", item


def _texts(value: Any) -> Iterator[str]:
    """Every `text` string anywhere in a block tree: what Slack counts toward 12,000."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "text" and isinstance(inner, str):
                yield inner
            else:
                yield from _texts(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _texts(inner)


def _check_attachments(attachments: Any) -> None:
    if not isinstance(attachments, list):
        raise Refusal("invalid_attachments", "must be an array [/attachments]")
    if len(attachments) > ATTACHMENTS_LIMIT:
        raise Refusal("too_many_attachments", f"{len(attachments)} attachments; Slack takes 100")
    for index, attachment in enumerate(attachments):
        place = f"/attachments/{index}"
        if not isinstance(attachment, dict):
            raise Refusal("invalid_attachments", f"an attachment must be an object [{place}]")
        if "blocks" in attachment:
            _check_blocks(
                attachment["blocks"],
                limit=MESSAGE_BLOCKS_LIMIT,
                error="invalid_attachments",
                where=f"{place}/blocks",
            )
            continue
        fields = {k: v for k, v in attachment.items() if k in _ATTACHMENT_FIELDS}
        fields.setdefault("text", "")
        try:
            Attachment(**fields).to_dict()
        except (SlackObjectFormationError, TypeError, ValueError, KeyError, AttributeError) as exc:
            raise Refusal("invalid_attachments", f"{exc} [{place}]") from exc
