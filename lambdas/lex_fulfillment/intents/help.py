"""Help: what the bot can do, with an example utterance for each intent."""

from __future__ import annotations

from lex import LexRequest, Reply, close

from intents import Deps

SERVICE = "help"


def validate(request: LexRequest, deps: Deps) -> Reply | None:
    return None


def help_text(deps: Deps) -> str:
    sample = deps.env.sample_images[0] if deps.env.sample_images else "my-photo.png"
    samples = ", ".join(deps.env.sample_images) or "none installed"
    return (
        "I can: "
        f"describe an image ('describe {sample}'); "
        f"read the text in an image ('read the text in {sample}'); "
        "speak text aloud ('say hello world'); "
        "translate text ('translate good morning to French'); "
        "rate the sentiment of a text ('what is the sentiment of I love this product'); "
        "forecast the next days' high ('what will the high be in Denver'). "
        f"Sample images: {samples}; your own PNG or JPEG files work too once uploaded under "
        f"{deps.env.user_images_prefix} in the data bucket."
    )


def fulfil(request: LexRequest, deps: Deps) -> Reply:
    return close(request, help_text(deps), result="help")
