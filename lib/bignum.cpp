// SPDX-License-Identifier: MIT
#include "bignum.h"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace QtPyVenv::Internal {

namespace {

// Little-endian base-2^32 limbs.
using Limbs = std::vector<std::uint32_t>;

Limbs limbsFromMagnitude(QByteArrayView magnitude)
{
    Limbs limbs((magnitude.size() + 3) / 4, 0);
    for (qsizetype i = 0; i < magnitude.size(); ++i) {
        const qsizetype fromEnd = magnitude.size() - 1 - i;
        limbs[size_t(fromEnd / 4)] |= std::uint32_t(std::uint8_t(magnitude[i])) << (8 * (fromEnd % 4));
    }
    while (!limbs.empty() && limbs.back() == 0)
        limbs.pop_back();
    return limbs;
}

QByteArray magnitudeFromLimbs(const Limbs &limbs)
{
    QByteArray out;
    for (auto it = limbs.rbegin(); it != limbs.rend(); ++it) {
        for (int shift = 24; shift >= 0; shift -= 8)
            out += char((*it >> shift) & 0xff);
    }
    const qsizetype zeros = std::find_if(out.cbegin(), out.cend(), [](char c) { return c != 0; }) - out.cbegin();
    return out.mid(zeros);
}

} // namespace

QByteArray decimalFromMagnitude(QByteArrayView magnitude)
{
    Limbs limbs = limbsFromMagnitude(magnitude);
    QByteArray reversed;
    // Divide by 10^9 repeatedly; each remainder is nine digits.
    while (!limbs.empty()) {
        std::uint64_t remainder = 0;
        for (auto it = limbs.rbegin(); it != limbs.rend(); ++it) {
            const std::uint64_t current = (remainder << 32) | *it;
            *it = std::uint32_t(current / 1000000000u);
            remainder = current % 1000000000u;
        }
        while (!limbs.empty() && limbs.back() == 0)
            limbs.pop_back();
        for (int i = 0; i < 9 && (remainder != 0 || !limbs.empty()); ++i) {
            reversed += char('0' + remainder % 10);
            remainder /= 10;
        }
    }
    if (reversed.isEmpty())
        return QByteArrayLiteral("0");
    std::reverse(reversed.begin(), reversed.end());
    return reversed;
}

QByteArray magnitudeFromDecimal(QByteArrayView digits)
{
    Limbs limbs;
    for (qsizetype at = 0; at < digits.size();) {
        const qsizetype chunk = std::min<qsizetype>(9, digits.size() - at);
        std::uint64_t multiplier = 1;
        std::uint64_t carry = 0;
        for (qsizetype i = 0; i < chunk; ++i) {
            multiplier *= 10;
            carry = carry * 10 + std::uint64_t(digits[at + i] - '0');
        }
        at += chunk;
        for (std::uint32_t &limb : limbs) {
            const std::uint64_t current = std::uint64_t(limb) * multiplier + carry;
            limb = std::uint32_t(current);
            carry = current >> 32;
        }
        if (carry)
            limbs.push_back(std::uint32_t(carry));
    }
    return magnitudeFromLimbs(limbs);
}

QByteArray addToMagnitude(QByteArrayView magnitude, int delta)
{
    Limbs limbs = limbsFromMagnitude(magnitude);
    std::uint64_t carry = std::uint64_t(delta);
    for (std::uint32_t &limb : limbs) {
        const std::uint64_t current = std::uint64_t(limb) + carry;
        limb = std::uint32_t(current);
        carry = current >> 32;
    }
    if (carry)
        limbs.push_back(std::uint32_t(carry));
    return magnitudeFromLimbs(limbs);
}

QByteArray decrementMagnitude(QByteArrayView magnitude)
{
    Limbs limbs = limbsFromMagnitude(magnitude);
    for (std::uint32_t &limb : limbs) {
        if (limb-- != 0)
            break;
    }
    while (!limbs.empty() && limbs.back() == 0)
        limbs.pop_back();
    return magnitudeFromLimbs(limbs);
}

} // namespace QtPyVenv::Internal
