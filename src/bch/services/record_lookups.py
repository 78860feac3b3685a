"""What a new revision reads of the records it names (linked records, organism types), and the
memo that lets a node's bootstrap read each referenced record once across its batches
(RecordService.mirror_many)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from bch.services import linked_index


@dataclass(frozen=True)
class Lookups:
    """What a new revision reads of the records it names (linked_lookup, organism_types)."""

    linked: linked_index.Lookup
    organism_types: Callable[[list[str]], list[str]]

    @classmethod
    def cached(
        cls,
        linked: linked_index.Lookup,
        types: Callable[[list[str]], list[str]],
        memo: LookupMemo | None = None,
    ):
        """The same lookups, each identifier read once (a batch of a bootstrap names the same
        few hundred organisms and LMOs thousands of times; nothing it reads changes meanwhile).
        `memo`: what earlier batches read (kept by the caller across its batches)."""
        memo = memo if memo is not None else LookupMemo()
        if len(memo.seen) > LookupMemo.MAX:
            memo.seen.clear()
            memo.kinds.clear()
        seen, kinds = memo.seen, memo.kinds

        def cached_linked(identifiers: list[str]) -> dict[str, tuple[str, dict[str, Any]]]:
            missing = [i for i in dict.fromkeys(identifiers) if i not in seen]
            if missing:
                found = linked(missing)
                seen.update({i: found.get(i) for i in missing})
            return {i: v for i in identifiers if (v := seen[i]) is not None}

        def cached_types(identifiers: list[str]) -> list[str]:
            for i in dict.fromkeys(identifiers):
                if i not in kinds:
                    kinds[i] = types([i])
            return [t for i in dict.fromkeys(identifiers) for t in kinds[i]]

        return cls(cached_linked, cached_types)


@dataclass
class LookupMemo:
    """The referenced records a bootstrap has read (RecordService.mirror_many), kept from one
    batch to the next: a record written meanwhile is forgotten (`forget`), so an identifier
    read before its record arrived is read again."""

    MAX = 5_000  # identifiers kept (with their parsed bodies): memory stays bounded

    seen: dict[str, tuple[str, dict[str, Any]] | None] = field(default_factory=dict)
    kinds: dict[str, list[str]] = field(default_factory=dict)

    def forget(self, identifiers: Iterable[str]) -> None:
        for i in identifiers:
            self.seen.pop(i, None)
            self.kinds.pop(i, None)
