// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

#include <cstddef>
#include <cstdint>

namespace QtPyVenv::Fuzz {

/*!
 * Reads \a data as the byte stream of a worker, as the host does: frames from a FrameDecoder,
 * each frame's JSON through the ValueReader, and what a caller might make of the value (its JSON
 * projection, arrays, tables, images). Once at a time, with the reader's direct path and a
 * call's plain result read as VenvPrivate does (readReturnedCall), and once byte by byte with
 * neither (ValueReader::setDirectPath): the two must agree.
 * False with \a problem when they do not; a sanitizer reports the rest.
 */
bool readFrameStream(const uint8_t *data, size_t size, QString *problem);

} // namespace QtPyVenv::Fuzz
