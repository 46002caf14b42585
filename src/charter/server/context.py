"""What every route needs: the serving service, body limits and token checks."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request

from charter.config import Settings
from charter.errors import CharterError, PermissionDeniedError
from charter.governance import Principal, authenticate, authorize
from charter.governance.tokens import Action
from charter.registry import Registry
from charter.serving import (
    ModelRuntime,
    PayloadTooLargeError,
    ServingService,
    UnauthorizedError,
)

__all__ = ["ServerContext", "context_of", "read_body"]

_TOKEN_CACHE_SECONDS = 5.0  # a revoked token stops working within this long


@dataclass
class ServerContext:
    """Held in ``app.state.charter`` for the app's lifetime."""

    settings: Settings
    registry: Registry
    service: ServingService
    ready: bool = False
    _tokens: dict[str, tuple[float, Principal]] = field(default_factory=dict)

    async def authenticate(self, request: Request) -> Principal:
        """The caller's principal, or 401 when no valid bearer token was sent."""
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise UnauthorizedError("this endpoint needs a token: send 'Authorization: Bearer …'")
        cached = self._tokens.get(token)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        try:
            principal = await asyncio.to_thread(authenticate, self.registry.store, token)
        except PermissionDeniedError as exc:
            raise UnauthorizedError(exc.message) from None
        if len(self._tokens) > 1000:
            self._tokens.clear()
        self._tokens[token] = (time.monotonic() + _TOKEN_CACHE_SECONDS, principal)
        return principal

    async def check_inference_token(self, request: Request, runtime: ModelRuntime) -> None:
        """Inference needs a token (any role may read) when the charter says so."""
        if runtime.require_token:
            await self.authenticate(request)

    async def authorize(self, request: Request, action: Action, model: str) -> Principal:
        principal = await self.authenticate(request)
        await asyncio.to_thread(authorize, self.registry.store, principal, action, model_name=model)
        return principal


def context_of(request: Request) -> ServerContext:
    context: Any = request.app.state.charter
    if not isinstance(context, ServerContext):  # pragma: no cover - set by the lifespan
        raise CharterError("the server is not started")
    return context


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it is known to exceed ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLargeError(
            f"the request body has {int(declared)} bytes; the charter allows at most {limit}"
        )
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLargeError(
                f"the request body exceeds {limit} bytes, the most the charter allows"
            )
        chunks.append(chunk)
    return b"".join(chunks)
