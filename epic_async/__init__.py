"""epic_async: the asyncio SDK for the Epic-Charging external API.

``EpicClient(api_key=..., tenant="demo")``, or ``EpicClient()`` to read them from
``$EPIC_API_KEY`` and ``$EPIC_TENANT`` (or ``$EPIC_BASE_URL``):

>>> from epic_async import EpicClient
>>> async with EpicClient() as client:
...     async for charger in client.chargers.list(status="AVAILABLE"):
...         print(charger.charger_point_id)
EPC-...
...
"""

from ._bulk_result import BulkCreateError, BulkFailure, BulkResult, BulkUnknown
from ._client import EpicClient
from ._config import DEFAULT_PATHS, INFERRED_PATHS, Timeouts
from ._errors import (
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    EpicConnectionError,
    EpicError,
    EpicTimeoutError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseValidationError,
    ServerError,
)
from ._metrics import ClientMetrics
from ._pagination import Pager, PaginationError
from ._ratelimit import RateLimit
from ._redis_limiter import RedisLimiter, SharedLimiterUnavailable
from ._retry import RetryPolicy
from ._retry_budget import RetryBudget
from ._sync import SyncEpicClient, SyncPager
from ._version import __version__

__all__ = [
    "DEFAULT_PATHS",
    "INFERRED_PATHS",
    "APIStatusError",
    "AuthenticationError",
    "BadRequestError",
    "BulkCreateError",
    "BulkFailure",
    "BulkResult",
    "BulkUnknown",
    "ClientMetrics",
    "ConflictError",
    "EpicClient",
    "EpicConnectionError",
    "EpicError",
    "EpicTimeoutError",
    "NotFoundError",
    "Pager",
    "PaginationError",
    "PermissionDeniedError",
    "RateLimit",
    "RateLimitError",
    "RedisLimiter",
    "ResponseValidationError",
    "RetryBudget",
    "RetryPolicy",
    "ServerError",
    "SharedLimiterUnavailable",
    "SyncEpicClient",
    "SyncPager",
    "Timeouts",
    "__version__",
]
