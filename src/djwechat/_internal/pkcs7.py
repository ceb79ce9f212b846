"""PKCS#7 padding with a caller-chosen block size, checked strictly on removal.

WeChat pads message ciphertext to 32-byte blocks (``WXBizMsgCrypt``: "K = 32") and open data
(``encryptedData``) to AES's 16-byte blocks; both use the PKCS#7 rule that every pad byte holds
the pad length.  :func:`unpad` rejects anything else instead of guessing, so corrupted or forged
ciphertext fails loudly as :class:`~djwechat.exceptions.CryptoError`.  Every failure carries the
same message: telling "bad padding" apart from later failures would hand an attacker a padding
oracle (CBC ciphertext can then be decrypted or forged block by block).
"""

from __future__ import annotations

import hmac

from djwechat.exceptions import CryptoError

__all__ = ["pad", "unpad"]


def pad(data: bytes, block_size: int) -> bytes:
    """``data`` followed by 1…``block_size`` bytes, each holding the pad length."""
    if not 1 <= block_size <= 255:
        raise ValueError("block_size must be between 1 and 255")
    amount = block_size - len(data) % block_size
    return data + bytes([amount]) * amount


def unpad(data: bytes, block_size: int) -> bytes:
    """``data`` without its PKCS#7 padding.

    Raises :class:`CryptoError` when ``data`` is empty or not a whole number of blocks, the pad
    value is 0 or larger than ``block_size`` or the data, or the pad bytes are not all equal.
    """
    if not data or len(data) % block_size:
        raise CryptoError()
    amount = data[-1]
    if not 1 <= amount <= block_size or amount > len(data):
        raise CryptoError()
    # Compared in constant time so padding errors leak nothing about where they are.
    if not hmac.compare_digest(data[-amount:], bytes([amount]) * amount):
        raise CryptoError()
    return data[:-amount]
