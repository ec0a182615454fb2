"""Configuration defaults; the environment (prefix ``SURVEY_``) overrides them."""
from __future__ import annotations

from typing import Optional

from .services.reporting.periods import GOVERNMENT_TARGETS


class Config:
    #: ``production`` makes the app refuse to start with an unsafe configuration
    #: (survey/production.py); anything else (the default, empty) does not check.
    ENV: str = ""
    #: Worker processes serving the app, when the server does not say it otherwise
    #: (the repo's gunicorn.conf.py sets ``SURVEY_WORKERS``); 0 = unknown.
    WORKERS: int = 0
    #: ``json`` (one object per line, with the request id; the default in production) or
    #: ``text`` (Flask's usual lines; the default otherwise).
    LOG_FORMAT: str = ""
    #: SQLAlchemy URL; ``None`` means SQLite under the instance folder.
    DATABASE_URL: str | None = None
    #: Absolute public base URL used in QR codes and printed links.
    PUBLIC_URL: str = "http://127.0.0.1:5000"
    #: Seconds a write on SQLite waits for another writer's lock before the request gives
    #: up with the honest 503 page: within the request budget (gunicorn's
    #: ``SURVEY_TIMEOUT``, 30 s), well above the longest write (a kiosk batch of 500).
    SQLITE_BUSY_TIMEOUT: float = 20
    #: Reverse proxies in front of the app whose X-Forwarded-* headers are trusted.
    PROXY_HOPS: int = 0
    #: Receipt-code lookups allowed per client per window (0 = no limit).
    RECEIPT_RATE_LIMIT: int = 30
    #: Length of that window, in seconds.
    RECEIPT_RATE_WINDOW: int = 60
    #: Phone form posts per client address within the window beyond which each further
    #: post is stored flagged (``rate_client``), left out of verdicts until restored
    #: (0 = no limit). Raise it where claimants share one address (a centre's Wi-Fi).
    SUBMIT_CLIENT_LIMIT: int = 5
    #: Length of that window, in seconds.
    SUBMIT_CLIENT_WINDOW: int = 900
    #: Phone form posts per unit (counter) within the window beyond which each further
    #: post is stored flagged (``rate_unit``); 0 = no limit.
    SUBMIT_UNIT_LIMIT: int = 150
    #: Length of that window, in seconds.
    SUBMIT_UNIT_WINDOW: int = 3600
    #: Where rate-limit counts live: ``memory://`` (each worker on its own) or
    #: ``redis://host:6379/0`` (shared by every worker and server).
    RATELIMIT_STORAGE: str = "memory://"
    #: Targets for verdicts when none is asked for: milestone year → share. A period is
    #: judged against the first milestone at or after its year (Decision 2269/QĐ-TTg).
    #: Default: the government's (85 % by 2025, 90 % by 2030), keyed as JSON gives them.
    TARGETS: dict = {str(year): share for year, share in GOVERNMENT_TARGETS.items()}
    #: Seconds a worker serves its in-process copy of units, services and questionnaires
    #: before checking the database's catalogue stamp again (0: on every request). A
    #: change made by an administrator reaches every worker within that time.
    CATALOGUE_CHECK_SECONDS: float = 1.0
    #: Seconds a worker answers a cookie-less request for the thank-you page from the
    #: copy it kept (survey/microcache.py); unset: CATALOGUE_CHECK_SECONDS; 0: never.
    MICROCACHE_SECONDS: Optional[float] = None
    #: Answer the claimant's form page and its post in the common case before Flask's
    #: request cycle, with the same functions and the same answer (survey/public/
    #: fastlane.py); off: Flask answers every request.
    FAST_LANE: bool = True
    #: Targets of the plan's coverage indicators, replacing the defaults indicator by
    #: indicator: code → milestone year → share, e.g. ``{"referral": {"2025": 0.8,
    #: "2030": 0.9}}`` (JSON in the environment; survey/services/coverage/indicators.py).
    COVERAGE_TARGETS: dict = {}
    #: Smallest sample that gets a verdict.
    MIN_N: int = 10
    #: The receiving body named in the reports (ThongTin, the PDF cover); empty: "Sở Nội
    #: vụ tỉnh; Bộ Nội vụ" (docs/reports.md).
    REPORT_RECEIVER: str = ""
    #: Four eyes on reports: whoever generated, edited or submitted a version may not
    #: approve it. Switch off only for a centre with one person; approvals by a preparer
    #: are then marked self-approved ("tự duyệt") (docs/reports.md).
    REPORT_FOUR_EYES: bool = True
    #: Run report jobs (generation, approval) in the request that asks for them instead
    #: of a background thread, and without a heartbeat thread: for the tests only.
    REPORT_JOBS_INLINE: bool = False
    #: Seconds without a heartbeat after which a running report job counts as stopped
    #: (its worker was killed or restarted): it is taken again, or failed after 3 tries.
    REPORT_JOB_STALE_SECONDS: float = 120
    #: Seconds between a running job's heartbeats (well below the stale limit).
    REPORT_JOB_HEARTBEAT_SECONDS: float = 10
    #: Items answered by fewer people in a cell stay out of that cell's composite index
    #: (rather than being averaged in from one or two answers).
    MIN_ITEM_ANSWERS: int = 5
    #: Compute the index as from a probability sample of the people served (each
    #: response drawn on its own, with finite population correction) instead of the
    #: default clustered design without it. Only for a centre that really draws such a
    #: sample: self-selected respondents are not one (docs/methodology.md).
    INDEX_FPC: bool = False
    #: Unit codes (each with its subtree) that give a receipt code to every claimant
    #: served, so that the codes issued there may stand in for a missing served count,
    #: e.g. ``["NA-VINH"]`` (JSON in the environment).
    RECEIPTS_FOR_ALL: list = []
    #: Days a receipt code stays valid (read through ``receipts.receipt_days``).
    RECEIPT_DAYS: int = 14
    #: Seconds between two completed kiosk responses below which the second is flagged.
    KIOSK_MIN_INTERVAL: int = 5
    #: Idle seconds before the kiosk starts its reset countdown.
    KIOSK_IDLE_SECONDS: int = 60
    #: Seconds of on-screen countdown before an idle kiosk resets.
    KIOSK_COUNTDOWN_SECONDS: int = 10
    #: Whether an idle kiosk submits what was answered when the overall question was.
    KIOSK_SUBMIT_PARTIAL: bool = True
    #: Seconds the kiosk's thank-you screen stays up.
    KIOSK_THANKS_SECONDS: int = 6
    #: Seconds between a kiosk's "still here" calls when it has nothing to send, so that
    #: ``flask survey kiosk list`` shows which kiosks are offline (and a revoked one learns).
    KIOSK_HEARTBEAT_SECONDS: int = 600
    #: Largest kiosk batch accepted in one request.
    KIOSK_MAX_BATCH: int = 500
    #: Wrong pairing codes per client address within the window before it must wait.
    KIOSK_PAIR_CLIENT_FAILURES: int = 10
    #: Wrong pairing codes from all clients together within the window before every
    #: pairing waits (guessing from many addresses stays hopeless).
    KIOSK_PAIR_TOTAL_FAILURES: int = 100
    #: The window of those counts, in minutes.
    KIOSK_PAIR_WINDOW_MINUTES: float = 15

    #: Minutes without a request after which a manager's session ends.
    ADMIN_IDLE_MINUTES: float = 30
    #: Hours after signing in after which a session ends, however busy.
    ADMIN_SESSION_HOURS: float = 12
    #: Failed sign-ins per account (e-mail address) within the window before it waits.
    ADMIN_SIGN_IN_FAILURES: int = 5
    #: Failed sign-ins per client address within the window (an office may share one).
    ADMIN_SIGN_IN_CLIENT_FAILURES: int = 20
    #: The window of those counts, in minutes.
    ADMIN_SIGN_IN_WINDOW_MINUTES: float = 15

    #: Feedback inbox (docs/inbox.md): a rating at or below this opens a case.
    INBOX_LOW_RATING: int = 2
    #: Per-category deadlines in working days, e.g. ``{"procedure": {"accept": 5,
    #: "resolve": 20}}`` (JSON in the environment); the Complaints Law 2011 by default.
    INBOX_DEADLINES: dict = {}
    #: Working days before a deadline from which a case shows as due soon.
    INBOX_DUE_SOON: int = 3
    #: Extra days off (ISO dates) besides Vietnam's public holidays and weekends.
    INBOX_DAYS_OFF: list = []
    #: Days after a case is closed when its claimant's contact details are deleted.
    CONTACT_RETENTION_DAYS: int = 30
    #: How replies and digests leave: ``file`` (under the instance folder), ``console``
    #: or ``smtp`` (with the SMTP_* settings below).
    MAIL_SENDER: str = "file"
    SMTP_HOST: str = ""
    SMTP_PORT: int = 587
    SMTP_USER: str = ""
    SMTP_PASSWORD: str = ""
    SMTP_FROM: str = ""
    SMTP_STARTTLS: bool = True
    #: Status-page lookups allowed per client per window (``/y-kien/<code>``).
    STATUS_RATE_LIMIT: int = 30
    #: Length of that window, in seconds.
    STATUS_RATE_WINDOW: int = 60

    #: Language of ``flask survey ...`` output ("vi" or "en"); a command's --lang wins.
    CLI_LANG: str = "vi"

    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    LANGUAGES = ("vi", "en")
    # A claimant may take a while on a slow phone; four hours is generous.
    WTF_CSRF_TIME_LIMIT = 4 * 3600
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_HTTPONLY = True
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    # Cheap phones on 3G: gzip pages (brotli/zstd are not needed for a few KB).
    COMPRESS_ALGORITHM = ["gzip"]
    COMPRESS_MIN_SIZE = 500
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
