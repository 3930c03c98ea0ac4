"""Turns any AWS or unexpected error into one polite sentence for the user and a short code for the record."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError, ConnectTimeoutError, ReadTimeoutError

# Error codes by what they mean to the user; `{service}` is filled in.
_MESSAGES: tuple[tuple[frozenset[str], str], ...] = (
    (
        frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnrecognizedClientException"}),
        "Sorry, I'm not allowed to use {service} here. Please ask the bot's owner to check its permissions.",
    ),
    (
        frozenset(
            {
                "Throttling",
                "ThrottlingException",
                "ThrottledException",
                "TooManyRequestsException",
                "ProvisionedThroughputExceededException",
                "LimitExceededException",
                "ServiceQuotaExceededException",
                "SlowDown",
                "RequestLimitExceeded",
            }
        ),
        "{service} is busy right now. Please try again in a few seconds.",
    ),
    (
        # Rekognition reports a missing S3 object as InvalidS3ObjectException.
        frozenset({"NoSuchKey", "NoSuchBucket", "404", "NotFound", "InvalidS3ObjectException"}),
        "Sorry, I couldn't find that image. Say 'help' to hear the sample image names.",
    ),
    (
        frozenset({"InvalidImageFormatException", "ImageTooLargeException"}),
        "Sorry, I can't read that file as an image. PNG or JPEG images up to 15 MB work best.",
    ),
    (
        frozenset({"TextSizeLimitExceededException", "TextLengthExceededException", "InvalidSsmlException"}),
        "Sorry, that text is too long for {service}. Please try a shorter one.",
    ),
    (
        frozenset({"UnsupportedLanguagePairException", "DetectedLanguageLowConfidenceException"}),
        "Sorry, I can't translate that text into that language. Try another language or a longer sentence.",
    ),
    (
        # SageMaker runtime reports a missing endpoint as ValidationError ("Endpoint x of account y not found").
        frozenset({"ValidationError"}),
        "Sorry, {service} isn't available. If it is the sentiment model: is the platform layer deployed?",
    ),
    (
        frozenset({"ModelError", "ModelNotReadyException", "ServiceUnavailable", "InternalDependencyException"}),
        "Sorry, {service} couldn't answer. Please try again in a minute.",
    ),
)
_TIMEOUT = "{service} took too long to answer (it may be warming up). Please try again in a minute."
_AWS_ERROR = "Sorry, {service} couldn't handle that request. Please try again later."
_UNEXPECTED = "Sorry, something went wrong on my side. Please try again, or say 'help'."


def error_code(error: BaseException) -> str:
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code") or "ClientError")
    return type(error).__name__


def polite_message(error: BaseException, service: str) -> str:
    """What to tell the user when `service` failed with `error`; never leaks the raw error text."""
    code = error_code(error)
    template = next((message for codes, message in _MESSAGES if code in codes), None)
    if template is None and isinstance(error, ReadTimeoutError | ConnectTimeoutError):
        template = _TIMEOUT
    if template is None:
        template = _AWS_ERROR if isinstance(error, ClientError | BotoCoreError) else _UNEXPECTED
    text = template.format(service=service)
    return text[0].upper() + text[1:]
