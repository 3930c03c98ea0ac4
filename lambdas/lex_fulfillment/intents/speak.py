"""Speak: Polly reads the text aloud; the MP3 goes to the data bucket and the reply carries a presigned link."""

from __future__ import annotations

import uuid

from lex import MAX_MESSAGE_CHARS, LexRequest, Reply, close

from intents import Deps, require_text

SERVICE = "Amazon Polly"
SLOT = "Text"
# Polly SynthesizeSpeech accepts at most 3,000 billed characters of plain text.
MAX_CHARS = 3000
# Session attribute that always carries the link, since a presigned URL can outgrow a chat message.
URL_ATTRIBUTE = "speechUrl"
# Session attribute with the MP3's S3 key, for a chat client that fetches it with its own credentials.
KEY_ATTRIBUTE = "speechKey"


def validate(request: LexRequest, deps: Deps) -> Reply | None:
    return require_text(request, SLOT, "What should I say?", MAX_CHARS, "speech")


def fulfil(request: LexRequest, deps: Deps) -> Reply:
    text = request.slot(SLOT) or ""
    env = deps.env
    # The neural engine: the voice setting only admits neural English voices (stacks/config/api_services.py).
    speech = deps.clients.polly.synthesize_speech(
        Text=text, OutputFormat="mp3", VoiceId=env.polly_voice, Engine="neural"
    )
    with speech["AudioStream"] as stream:
        audio = stream.read()
    key = f"{env.speech_prefix}{uuid.uuid4()}.mp3"
    deps.clients.s3.put_object(Bucket=env.data_bucket, Key=key, Body=audio, ContentType="audio/mpeg")
    url = deps.clients.s3.generate_presigned_url(
        "get_object", Params={"Bucket": env.data_bucket, "Key": key}, ExpiresIn=env.presigned_url_seconds
    )
    minutes = max(1, env.presigned_url_seconds // 60)
    intro = f"Here is your text read by {env.polly_voice}; the link works for {minutes} minutes:"
    # With the Lambda role's session token a presigned URL can exceed Lex's 1,024-character message limit:
    # then the link travels only in the session attribute.
    too_long = f"(the link is too long for a chat message: see the {URL_ATTRIBUTE} session attribute)"
    link = url if len(url) <= MAX_MESSAGE_CHARS else too_long
    attributes = {URL_ATTRIBUTE: url, KEY_ATTRIBUTE: key}
    return close(request, intro, link, result=f"s3://{env.data_bucket}/{key}", session_attributes=attributes)
