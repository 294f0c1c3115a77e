// SPDX-License-Identifier: MIT
#pragma once

#include <QtPyVenv/value.h>

#include <QCborValue>
#include <QImage>
#include <QList>
#include <QString>

namespace QtPyVenvApp {

/*! The views a result can be shown in, in the order the result pane lists them. */
enum class ResultKind {
    Table, //!< a Table, a list of records or a map of equal-length columns
    Image, //!< an Image (matplotlib Figure, PIL Image, qtpyvenv.Image), or PNG/JPEG bytes
    Array, //!< an NdArray (RFC 8746 typed array)
    Tree,  //!< any value, as a foldable tree
    Text,  //!< any value, as JSON text
};

//! The view that fits \a value best: Image, Table, Array, Tree (containers) or Text (scalars).
ResultKind chooseView(const QCborValue &value);
//! The views that can show \a value; Tree and Text always can.
QList<ResultKind> applicableViews(const QCborValue &value);
//! "Table", "Image", ...
QString resultKindName(ResultKind kind);

//! The table \a value holds (tagged, a list of records or a map of columns); invalid otherwise.
QtPyVenv::Table tableOf(const QCborValue &value);
//! The image \a value holds, decoded; null when it holds none or it does not decode.
QImage imageOf(const QCborValue &value);

/*!
 * A short type name: "object", "array", "string", "int", "float", "bool", "null", "bytes",
 * "ndarray", "table", "image", "datetime", "date", "time", "decimal", "bigint", "tag N".
 */
QString valueTypeName(const QCborValue &value);
/*!
 * One line for \a value: containers as "{3}" / "[5]", arrays as "float64[1000×3]", tables as
 * "table[1000×3]", images as "image/png, 2.1 KiB", scalars as compact JSON text.
 */
QString valueSummary(const QCborValue &value);
/*!
 * \a value as one line of JSON, with a space after each comma and colon ("[1, 2]",
 * {"a": 1}); typed arrays, tables and images as their valueSummary(). Cut with "…" past
 * about \a maxChars characters.
 */
QString jsonLine(const QCborValue &value, qsizetype maxChars = 1000);
/*!
 * The text of one table cell: strings unquoted, numbers in their shortest exact form, NaN and
 * infinities spelled out, dates as ISO text, containers as compact JSON.
 */
QString cellText(const QCborValue &value);
//! cellText() with doubles to 8 significant digits, for display where cells are narrow.
QString compactCellText(const QCborValue &value);

/*! Statistics of an NdArray, NaN ignored. */
struct ArrayStats {
    qint64 count = 0;    //!< elements that are not NaN
    qint64 nanCount = 0;
    double min = 0;      //!< meaningful when count > 0
    double max = 0;
    double mean = 0;
};
//! min, max and mean over every element of \a array, ignoring NaN; bools count as 0 and 1.
ArrayStats arrayStats(const QtPyVenv::NdArray &array);

} // namespace QtPyVenvApp
