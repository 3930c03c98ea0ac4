"""Emulated Amazon Polly speech that can be heard: espeak-ng where the machine has it, else a short tone; MP3.

moto's SynthesizeSpeech answers eight zero bytes, which no player plays. Here the text is spoken by espeak-ng
when it is on PATH (a system package `make local` never installs: `apt-get install espeak-ng`, `brew install
espeak-ng`), announced as emulated; without it the answer is a short tone, one beep per word (up to
MAX_BEEPS). Either is encoded as MP3 with the `lameenc` wheel (LAME), mono, as Polly's mp3 output is.
"""

from __future__ import annotations

import math
import shutil
import struct
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

# Polly's default mp3 sample rate for the standard engine, and espeak-ng's own rate.
SAMPLE_RATE = 22050
BIT_RATE_KBPS = 48
# Said before the text, so the answer itself says it is not Polly (as Translate's answer carries `[emulated fr]`).
SPOKEN_MARK = "Emulated speech."
ESPEAK_TIMEOUT_SECONDS = 20
# The tone: one beep per word, at most this many, so a long text still answers in a few seconds of audio.
MAX_BEEPS = 12
BEEP_SECONDS, GAP_SECONDS, TONE_HZ = 0.18, 0.07, 660.0
TONE_AMPLITUDE = 0.3


@dataclass(frozen=True)
class Speech:
    """An MP3 and what made it: `espeak-ng` or `tone`."""

    mp3: bytes
    engine: str


def espeak_voice(language: str, gender: str) -> str:
    """espeak-ng's voice for a Polly voice's language and gender: en-US -> en-us, other English -> en-gb; +f3
    for a female voice."""
    base = "en-us" if language == "en-US" else "en-gb" if language.startswith("en-") else language.lower()
    return f"{base}+f3" if gender == "Female" else base


def spoken_pcm(text: str, voice: str, espeak: str) -> bytes | None:
    """16-bit mono PCM of `text` spoken by espeak-ng at SAMPLE_RATE, or None when espeak-ng fails."""
    with tempfile.TemporaryDirectory(prefix="mlstack-speech-") as folder:
        target = Path(folder) / "speech.wav"
        try:
            # The text goes on stdin, never on the command line, where a leading '-' would read as an option.
            done = subprocess.run(
                [espeak, "-v", voice, "-w", str(target)],
                input=f"{SPOKEN_MARK} {text}",
                capture_output=True,
                text=True,
                timeout=ESPEAK_TIMEOUT_SECONDS,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        if done.returncode != 0 or not target.exists():
            return None
        with wave.open(str(target), "rb") as audio:
            if (audio.getnchannels(), audio.getsampwidth(), audio.getframerate()) != (1, 2, SAMPLE_RATE):
                return None
            return audio.readframes(audio.getnframes())


def tone_pcm(text: str) -> bytes:
    """16-bit mono PCM at SAMPLE_RATE: one short beep per word (1 to MAX_BEEPS), each faded in and out."""
    beeps = min(max(len(text.split()), 1), MAX_BEEPS)
    beep, gap = int(BEEP_SECONDS * SAMPLE_RATE), int(GAP_SECONDS * SAMPLE_RATE)
    fade = beep // 8
    peak = TONE_AMPLITUDE * 32767
    samples = []
    for n in range(beep):
        envelope = min(1.0, n / fade, (beep - n) / fade)
        samples.append(int(peak * envelope * math.sin(2 * math.pi * TONE_HZ * n / SAMPLE_RATE)))
    one = struct.pack(f"<{beep}h", *samples) + b"\0\0" * gap
    return one * beeps


def mp3(pcm: bytes) -> bytes:
    """16-bit mono PCM at SAMPLE_RATE as a constant bit rate MP3."""
    import lameenc  # a wheel with LAME built in; no system library

    encoder = lameenc.Encoder()
    encoder.set_in_sample_rate(SAMPLE_RATE)
    encoder.set_channels(1)
    encoder.set_bit_rate(BIT_RATE_KBPS)
    encoder.set_quality(5)
    return bytes(encoder.encode(pcm) + encoder.flush())


def synthesize(text: str, language: str = "en-US", gender: str = "Female") -> Speech:
    """The emulated speech for `text`: spoken by espeak-ng when on PATH (and working), else the tone."""
    espeak = shutil.which("espeak-ng")
    pcm = spoken_pcm(text, espeak_voice(language, gender), espeak) if espeak else None
    if pcm:
        return Speech(mp3(pcm), "espeak-ng")
    return Speech(mp3(tone_pcm(text)), "tone")
