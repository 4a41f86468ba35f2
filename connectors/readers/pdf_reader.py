"""PDF documents: the lines of the text layer, page by page (pypdf, the ``documents``
extra). A PDF encrypted with an empty user password is opened; a scanned image without
a text layer says so in a note."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from piiscan.connectors.readers.blob import Blob
from piiscan.connectors.readers.document_io import cut_lines, seekable, why
from piiscan.errors import AssetError, EmptyAsset
from piiscan.install import install_command

NO_TEXT_LAYER = "no text layer (scanned image?)"


def pdf_lines(
    blob: Blob, *, max_line_chars: int, max_pages: int | None = None, notes: list[str] | None = None
) -> Iterator[str]:
    """Lines of the PDF text layer, page by page."""
    try:
        import pypdf
    except ImportError:
        raise AssetError(f"PDF support needs pypdf: {install_command('documents')}") from None
    with seekable(blob) as fh:
        head = fh.read(1024)
        fh.seek(0)
        if not head:
            raise EmptyAsset("empty file")
        if b"%PDF-" not in head:
            raise AssetError("not a PDF file (no %PDF header)")
        try:
            reader = pypdf.PdfReader(fh, strict=False)
            if reader.is_encrypted and not _decrypt_blank(reader):
                raise AssetError("encrypted PDF (no password)")
            pages = len(reader.pages)
        except AssetError:
            raise
        except Exception as exc:  # pypdf raises assorted types on broken files
            if "cryptography" in str(exc) or "AES" in str(exc):
                raise AssetError(
                    f"encrypted PDF needs the cryptography package ({install_command('documents')})"
                ) from None
            raise AssetError(f"corrupt PDF ({why(exc)})") from None
        read = pages if max_pages is None else min(pages, max_pages)
        if read < pages and notes is not None:
            notes.append(f"read the first {read} of {pages} pages")
        found = bad = 0
        for number in range(read):
            try:
                text = reader.pages[number].extract_text() or ""
            except Exception:  # one broken page never stops the document
                bad += 1
                continue
            for line in cut_lines(iter([text]), max_line_chars):
                found += 1
                yield line
        if bad and notes is not None:
            notes.append(f"{bad} pages without readable text (corrupt content)")
        if not found and notes is not None:
            notes.append(NO_TEXT_LAYER)


def _decrypt_blank(reader: Any) -> bool:
    """Open a PDF encrypted with an empty user password (owner-only restrictions)."""
    from pypdf import PasswordType

    try:
        return reader.decrypt("") != PasswordType.NOT_DECRYPTED
    except Exception as exc:
        if "cryptography" in str(exc) or "AES" in str(exc):
            raise AssetError(
                f"encrypted PDF needs the cryptography package ({install_command('documents')})"
            ) from None
        return False
