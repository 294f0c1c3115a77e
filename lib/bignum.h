// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QByteArrayView>

namespace QtPyVenv::Internal {

// Conversions between decimal digits and the big-endian magnitudes of CBOR bignums (tags 2 and
// 3). Quadratic in the length, which is fine for the thousands of digits Python prints at most.

//! The decimal digits of the unsigned big-endian \a magnitude ("0" when empty).
QByteArray decimalFromMagnitude(QByteArrayView magnitude);
//! The minimal big-endian magnitude of the unsigned decimal \a digits (only '0'..'9').
QByteArray magnitudeFromDecimal(QByteArrayView digits);
//! \a magnitude plus \a delta (0 or 1): tag 3 stores -1 - n, so it is off by one from the digits.
QByteArray addToMagnitude(QByteArrayView magnitude, int delta);
//! \a magnitude minus one; \a magnitude must not be zero.
QByteArray decrementMagnitude(QByteArrayView magnitude);

} // namespace QtPyVenv::Internal
