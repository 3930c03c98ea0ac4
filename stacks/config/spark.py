"""Settings of the EMR Serverless Spark application (Data layer) and of its GHCN-D job (`mlstack spark`)."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, ValidationInfo, field_validator

from stacks.config.fields import Section, pattern, split_list
from stacks.config.log_retention import LOG_RETENTION_DAYS

# Where the job's output goes in the data bucket (CURATED_PREFIX, GHCN_SERIES_PREFIX) is named in stacks/naming.py.

# The job scripts (spark/) are copied here at deploy time; the job runtime role reads them.
SPARK_CODE_PREFIX = "spark/code/"
# Driver and executor logs of every job run (S3 side; CloudWatch gets them too), expired after log_expiry_days.
SPARK_LOGS_PREFIX = "spark/logs/"
# GHCN-D elements the job converts (tenths of a degree C or of a mm; SNOW and SNWD whole mm).
GHCN_ELEMENTS = ("TMAX", "TMIN", "TAVG", "PRCP", "SNOW", "SNWD")
GhcnElement = Literal["TMAX", "TMIN", "TAVG", "PRCP", "SNOW", "SNWD"]
StationId = Annotated[
    str,
    pattern(r"[A-Z]{2}[A-Z0-9]{9}", "a GHCN-D station id: 11 characters, a country code then 9, e.g. USW00094728"),
]


class SparkSettings(Section):
    """EMR Serverless Spark application of the Data layer and the GHCN-D series job `mlstack spark` submits."""

    # emr-7.x releases run Spark 3.5 (the local pyspark pin); ARM64 needs emr-6.9.0 or later, which all of these are.
    RELEASE_PATTERN: ClassVar[str] = r"emr-7\.\d{1,2}\.0"
    # Worker limits of EMR Serverless: 1-16 vCPU and 2-120 GB per worker; the application caps all workers together.
    MAX_VCPU: ClassVar[int] = 400

    # Create the application and its job role. It costs nothing idle (no pre-initialized capacity). Default true.
    enabled: bool = True
    # EMR release of the application, emr-7.<minor>.0 (Spark 3.5). Default emr-7.12.0 (README, On EMR Serverless).
    release_label: Annotated[
        str, pattern(RELEASE_PATTERN, "an EMR 7 release label, emr-7.<minor>.0, e.g. emr-7.12.0")
    ] = "emr-7.12.0"
    # CPU architecture of the workers: ARM64 (Graviton, about 20 % cheaper per vCPU-hour) or X86_64. Default ARM64.
    architecture: Literal["ARM64", "X86_64"] = "ARM64"
    # Maximum vCPUs of all the application's workers together, 1-400: the ceiling of any job's size and cost.
    # Default 16.
    max_vcpu: int = Field(default=16, ge=1, le=MAX_VCPU)
    # Maximum memory of all workers together in GB, 2-3000 and 2-8 GB per max_vcpu. Default 64.
    max_memory_gb: int = Field(default=64, ge=2, le=3000)
    # Maximum disk of all workers together in GB, 20-20000 (20 GB per worker are included in the price). Default 200.
    max_disk_gb: int = Field(default=200, ge=20, le=20000)
    # The application stops after this many idle minutes, 1-15. Default 15.
    idle_stop_minutes: int = Field(default=15, ge=1, le=15)
    # A job run is cancelled after this many minutes (executionTimeoutMinutes), 5-10080. Default 60.
    max_runtime_minutes: int = Field(default=60, ge=5, le=10080)
    # `mlstack spark` refuses a job whose worst case (maximum capacity x max_runtime_minutes x the published prices)
    # is above this many US dollars. Default 5.
    max_job_usd: float = Field(default=5.0, gt=0)
    # CloudWatch Logs retention of the job logs, one of the retentions CloudWatch accepts. Default 30.
    log_retention_days: int = 30
    # Days before the job logs under spark/logs/ of the data bucket expire. Default 30.
    log_expiry_days: int = Field(default=30, ge=1)
    # GHCN-D element the job turns into series: TMAX, TMIN, TAVG, PRCP, SNOW or SNWD. Default TMAX.
    element: GhcnElement = "TMAX"
    # First and last year of the series, 1750-2100, start_year <= end_year. Default 2015-2024 (ten years).
    start_year: int = Field(default=2015, ge=1750, le=2100)
    end_year: int = Field(default=2024, ge=1750, le=2100)
    # Keep only stations whose id starts with this (a country code, or more), empty for all. Default US.
    station_prefix: Annotated[
        str, pattern(r"[A-Z0-9]{0,11}", "up to 11 uppercase letters or digits starting a station id, e.g. US")
    ] = "US"
    # A station is kept when at least this share of the range's days have a valid value, 0-1. Default 0.9.
    min_coverage: float = Field(default=0.9, ge=0, le=1)
    # Gaps of up to this many days between two valid values are filled by interpolation, 0-366. Default 3.
    max_gap_days: int = Field(default=3, ge=0, le=366)
    # Stations whose last history_days days the job writes as history/<id>.json (what the forecast bot reads).
    # Default USW00094728 (New York, Central Park).
    history_stations: tuple[StationId, ...] = Field(default=("USW00094728",), examples=[("USW00094728",)])
    # Days of history per station, 1-3660. Default 365.
    history_days: int = Field(default=365, ge=1, le=3660)

    @field_validator("history_stations", mode="before")
    @classmethod
    def _list_from_command_line(cls, value: Any) -> Any:
        return split_list(value)

    @field_validator("log_retention_days")
    @classmethod
    def _retention(cls, days: int) -> int:
        if days not in LOG_RETENTION_DAYS:
            nearest = min(LOG_RETENTION_DAYS, key=lambda allowed: abs(allowed - days))
            raise ValueError(f"a CloudWatch Logs retention in days, e.g. 1, 7, 30, 90, 365; nearest {nearest}")
        return days

    @field_validator("end_year")
    @classmethod
    def _range(cls, end: int, info: ValidationInfo) -> int:
        start = info.data.get("start_year")
        if start is not None and end < start:
            raise ValueError(f"before spark.start_year={start}; e.g. {start + 9}")
        return end

    @field_validator("max_memory_gb")
    @classmethod
    def _memory_fits_the_vcpus(cls, memory: int, info: ValidationInfo) -> int:
        # Every worker size EMR Serverless accepts has 2-8 GB per vCPU; outside that the maximum cannot be reached.
        vcpu = info.data.get("max_vcpu")
        if vcpu is not None and not 2 * vcpu <= memory <= 8 * vcpu:
            raise ValueError(
                f"with spark.max_vcpu={vcpu} workers can use {2 * vcpu}-{8 * vcpu} GB (2-8 GB per vCPU); "
                f"e.g. {4 * vcpu}"
            )
        return memory

    @property
    def years(self) -> int:
        return self.end_year - self.start_year + 1
