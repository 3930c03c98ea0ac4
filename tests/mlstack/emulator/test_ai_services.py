"""The emulator's AI answers through boto3: each marked emulated, images read for what they are, speech audible."""

from __future__ import annotations

import math
import os
import stat
import struct
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from mlstack.emulator import ai_services, image_labels, speech

SAMPLE_IMAGES = Path(__file__).resolve().parents[3] / "stacks" / "assets" / "sample_images"
BUCKET = "ai-services-images"

# MPEG audio frame headers (ISO 11172-3 / 13818-3, layer III): bit rates in kbit/s by version and index.
_BIT_RATES = {
    1: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_SAMPLE_RATES = {1: (44100, 48000, 32000), 2: (22050, 24000, 16000)}


def mp3_frames(data: bytes) -> tuple[int, float]:
    """(frames, seconds) of an MP3 (MPEG-1 or -2 layer III) by walking its frame headers from the first byte;
    fails on anything else, such as moto's eight zero bytes."""
    offset, frames, seconds = 0, 0, 0.0
    if data.startswith(b"ID3"):
        size = data[6:10]
        offset = 10 + ((size[0] << 21) | (size[1] << 14) | (size[2] << 7) | size[3])
    while offset + 4 <= len(data):
        header = struct.unpack(">I", data[offset : offset + 4])[0]
        assert header >> 21 == 0x7FF, f"no frame sync at byte {offset}"
        version = 1 if (header >> 19) & 3 == 3 else 2
        assert (header >> 17) & 3 == 1, "not layer III"
        bit_rate = _BIT_RATES[version][(header >> 12) & 0xF] * 1000
        rate = _SAMPLE_RATES[version][(header >> 10) & 3]
        padding = (header >> 9) & 1
        samples = 1152 if version == 1 else 576
        length = samples // 8 * bit_rate // rate + padding
        assert length > 4
        offset += length
        frames += 1
        seconds += samples / rate
    assert frames > 0 and offset == len(data), "trailing bytes after the last frame"
    return frames, seconds


def rms(pcm: bytes) -> float:
    samples = struct.unpack(f"<{len(pcm) // 2}h", pcm)
    return math.sqrt(sum(s * s for s in samples) / max(len(samples), 1))


@pytest.fixture(scope="module")
def images(aws: Callable[[str], Any]) -> dict[str, bytes]:
    s3 = aws("s3")
    s3.create_bucket(Bucket=BUCKET)
    found = {}
    for path in sorted(SAMPLE_IMAGES.glob("*.png")):
        found[path.stem] = path.read_bytes()
        s3.put_object(Bucket=BUCKET, Key=f"images/{path.name}", Body=found[path.stem])
    s3.put_object(Bucket=BUCKET, Key="images/notes.txt", Body=b"not an image")
    return found


def labels_of(aws: Callable[[str], Any], key: str, **extra: Any) -> list[str]:
    image = {"S3Object": {"Bucket": BUCKET, "Name": key}}
    answer = aws("rekognition").detect_labels(Image=image, **extra)
    return [label["Name"] for label in answer["Labels"]]


def test_labels_describe_each_image_and_say_they_are_emulated(aws: Callable[[str], Any], images: dict) -> None:
    house, sign = labels_of(aws, "images/house.png"), labels_of(aws, "images/sign.png")
    assert house == ["[emulated] PNG image", "[emulated] landscape 320x240", "[emulated] mostly grey"]
    assert sign[1] == "[emulated] landscape 568x104" and house != sign
    assert all(name.startswith("[emulated] ") for name in house + sign)
    assert labels_of(aws, "images/house.png", MaxLabels=1) == ["[emulated] PNG image"]


def test_inline_image_bytes_are_read_too(aws: Callable[[str], Any], images: dict[str, bytes]) -> None:
    answer = aws("rekognition").detect_labels(Image={"Bytes": images["poster"]})
    assert "[emulated] landscape 318x132" in [label["Name"] for label in answer["Labels"]]


def test_what_rekognition_refuses_is_refused(aws: Callable[[str], Any], images: dict) -> None:
    with pytest.raises(ClientError) as missing:
        labels_of(aws, "images/nothing-here.png")
    assert missing.value.response["Error"]["Code"] == "InvalidS3ObjectException"
    with pytest.raises(ClientError) as not_an_image:
        labels_of(aws, "images/notes.txt")
    assert not_an_image.value.response["Error"]["Code"] == "InvalidImageFormatException"


def test_text_detection_says_no_text_was_read(aws: Callable[[str], Any], images: dict) -> None:
    answer = aws("rekognition").detect_text(Image={"S3Object": {"Bucket": BUCKET, "Name": "images/sign.png"}})
    lines = [d["DetectedText"] for d in answer["TextDetections"] if d["Type"] == "LINE"]
    assert lines == ["[emulated] no text recognition offline"]
    words = [d for d in answer["TextDetections"] if d["Type"] == "WORD"]
    assert words and all(word["ParentId"] == 0 for word in words)


def test_a_jpeg_is_measured_from_its_frame_header() -> None:
    # SOI, an APP0 segment, then SOF0 with height 90 and width 160.
    jpeg = b"\xff\xd8" + b"\xff\xe0\x00\x04ab" + b"\xff\xc0\x00\x11\x08\x00\x5a\x00\xa0\x03" + bytes(12)
    assert image_labels.image_facts(jpeg) == image_labels.ImageFacts("JPEG", 160, 90, None)


def test_the_sentiment_label_is_marked() -> None:
    [answer] = ai_services.sentiment("I love this, it is great")
    assert answer["label"] == "[emulated] POSITIVE"


def speak(aws: Callable[[str], Any], text: str, voice: str = "Joanna") -> bytes:
    answer = aws("polly").synthesize_speech(Text=text, OutputFormat="mp3", VoiceId=voice, Engine="neural")
    assert answer["ContentType"] == "audio/mpeg"
    assert answer["RequestCharacters"] == len(text)
    with answer["AudioStream"] as stream:
        return bytes(stream.read())


def test_speech_is_an_mp3_of_real_frames_and_audible_length(aws: Callable[[str], Any]) -> None:
    frames, seconds = mp3_frames(speak(aws, "hello world, this is the emulator"))
    assert frames > 10 and seconds >= 1.0


def test_without_espeak_ng_the_answer_is_a_tone_of_one_beep_per_word(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    spoken = speech.synthesize("one two three")
    assert spoken.engine == "tone"
    pcm = speech.tone_pcm("one two three")
    assert len(pcm) == 3 * 2 * (
        int(speech.BEEP_SECONDS * speech.SAMPLE_RATE) + int(speech.GAP_SECONDS * speech.SAMPLE_RATE)
    )
    assert rms(pcm) > 0.1 * 32767 * speech.TONE_AMPLITUDE  # a tone, not silence
    _, seconds = mp3_frames(spoken.mp3)
    assert seconds == pytest.approx(3 * (speech.BEEP_SECONDS + speech.GAP_SECONDS), abs=0.2)
    long_text = speech.tone_pcm("word " * 1000)
    assert len(long_text) == len(speech.tone_pcm("word " * speech.MAX_BEEPS))


FAKE_ESPEAK = """#!{python}
# Stands in for espeak-ng: records its arguments and stdin, writes one second of a 200 Hz wave to -w FILE.
import math, struct, sys, wave
args = sys.argv[1:]
open({log!r}, "w").write(repr(args) + "\\n" + sys.stdin.read())
with wave.open(args[args.index("-w") + 1], "wb") as out:
    out.setnchannels(1); out.setsampwidth(2); out.setframerate({rate})
    out.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 200 * n / {rate})))
                             for n in range({rate})))
"""


def test_with_espeak_ng_the_text_is_spoken_after_the_mark_from_stdin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "espeak.log"
    fake = tmp_path / "espeak-ng"
    fake.write_text(FAKE_ESPEAK.format(python=sys.executable, log=str(log), rate=speech.SAMPLE_RATE))
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ.get('PATH', '')}")
    spoken = speech.synthesize("-v not an option", language="en-GB", gender="Male")
    assert spoken.engine == "espeak-ng"
    arguments, text = log.read_text().split("\n", 1)
    assert "'-v', 'en-gb'" in arguments and "not an option" not in arguments
    assert text == f"{speech.SPOKEN_MARK} -v not an option"
    _, seconds = mp3_frames(spoken.mp3)
    assert seconds == pytest.approx(1.0, abs=0.15)


def test_a_failing_espeak_ng_falls_back_to_the_tone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "espeak-ng"
    fake.write_text("#!/bin/sh\nexit 1\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert speech.synthesize("hello").engine == "tone"


def test_a_polly_voice_picks_the_espeak_voice_of_its_language_and_gender() -> None:
    assert speech.espeak_voice("en-US", "Female") == "en-us+f3"
    assert speech.espeak_voice("en-AU", "Male") == "en-gb"


def test_an_unknown_voice_is_still_refused_as_polly_refuses_it(aws: Callable[[str], Any]) -> None:
    with pytest.raises(ClientError) as refused:
        aws("polly").synthesize_speech(Text="hi", OutputFormat="mp3", VoiceId="Nobody")
    assert refused.value.response["Error"]["Code"] == "InvalidParameterValue"
