// SPDX-License-Identifier: MIT
#pragma once

#include <QtPyVenv/qtpyvenv_export.h>

#include <QByteArray>
#include <QCborArray>
#include <QCborMap>
#include <QCborValue>
#include <QJsonValue>
#include <QList>
#include <QMetaType>
#include <QSharedDataPointer>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <span>
#include <type_traits>
#include <vector>

/*!
 * \file value.h
 * The values a call carries: Qt's CBOR data model (QCborValue: ordered maps, byte strings,
 * 64-bit integers, doubles with NaN and infinities, tags), plus views for the tagged values that
 * data science needs: NdArray (RFC 8746 typed arrays), Table and Image.
 *
 * How Python values map, both ways:
 * | Python                              | QCborValue                                        |
 * |-------------------------------------|---------------------------------------------------|
 * | None, bool, str, float (NaN, ±Inf)  | Null, bool, string, double                        |
 * | int within 64 bits                  | Integer                                           |
 * | int beyond 64 bits                  | tag 2/3 bignum (big-endian magnitude), exact      |
 * | bytes, bytearray, memoryview        | byte array (arguments arrive as bytes)            |
 * | list, tuple, set, frozenset         | array (arguments arrive as list)                  |
 * | dict (insertion order)              | map, same order; int/float/bool/None keys as text |
 * | datetime / date / time              | tag 0 string / tag 1004 string / Tag::Time string  |
 * | decimal.Decimal                     | tag 4 decimal fraction [exponent, mantissa]        |
 * | numpy scalar                        | Integer, double or bool                           |
 * | numpy array (numeric, bool dtypes)  | NdArray (other dtypes: nested arrays of values)   |
 * | pandas DataFrame / Series           | Table                                             |
 * | matplotlib Figure, PIL Image, qtpyvenv.Image | Image (PNG for figures and PIL images)   |
 * Arguments arrive in Python as numpy arrays (else memoryview for 1-D, nested lists otherwise),
 * DataFrames (else a dict of columns), bytes, datetime/date/time, Decimal and int.
 */
namespace QtPyVenv {

//! Arguments of a call: the function runs as fn(*positional, **keywords).
struct Arguments {
    QCborArray positional;
    QCborMap keywords;
};

//! Values nested deeper than this (arrays and maps in each other) are refused on both sides.
inline constexpr int MaxValueDepth = 512;

//! The CBOR tags QtPyVenv uses beyond those Qt knows (QCborKnownTags).
namespace Tag {
inline constexpr quint64 MultiDimArray = 40;      //!< RFC 8746: [shape, typed array], row-major
inline constexpr quint64 FullDate = 1004;         //!< RFC 8943: "YYYY-MM-DD"
inline constexpr quint64 TypedArrayFirst = 64;    //!< RFC 8746 typed arrays: 64..87
inline constexpr quint64 TypedArrayLast = 87;
// QtPyVenv's own, in CBOR's first-come-first-served range ("QPV" and a number).
inline constexpr quint64 Table = 0x51505601;      //!< map {"names": [...], "columns": [...], "index"?: column}
inline constexpr quint64 Image = 0x51505602;      //!< map {"type": MIME type, "data": bytes}
inline constexpr quint64 BoolArray = 0x51505603;  //!< bytes, one per element, 0 or 1
inline constexpr quint64 Time = 0x51505604;       //!< "HH:MM:SS[.ffffff][+HH:MM]"
} // namespace Tag

//! Element type of an NdArray; NdArray::dtypeName() gives numpy's name for it.
enum class DType {
    Invalid,
    Bool,
    Int8,
    UInt8,
    Int16,
    UInt16,
    Int32,
    UInt32,
    Int64,
    UInt64,
    Float16, //!< carried as bytes; values() is not available for it, valueAt() converts
    Float32,
    Float64,
};

namespace Internal {
template<typename T> constexpr DType dtypeOf()
{
    if constexpr (std::is_same_v<T, bool>) return DType::Bool;
    else if constexpr (std::is_same_v<T, std::int8_t>) return DType::Int8;
    else if constexpr (std::is_same_v<T, std::uint8_t>) return DType::UInt8;
    else if constexpr (std::is_same_v<T, std::int16_t>) return DType::Int16;
    else if constexpr (std::is_same_v<T, std::uint16_t>) return DType::UInt16;
    else if constexpr (std::is_same_v<T, std::int32_t>) return DType::Int32;
    else if constexpr (std::is_same_v<T, std::uint32_t>) return DType::UInt32;
    else if constexpr (std::is_same_v<T, std::int64_t> || std::is_same_v<T, long long>) return DType::Int64;
    else if constexpr (std::is_same_v<T, std::uint64_t> || std::is_same_v<T, unsigned long long>) return DType::UInt64;
    else if constexpr (std::is_same_v<T, float>) return DType::Float32;
    else if constexpr (std::is_same_v<T, double>) return DType::Float64;
    else return DType::Invalid;
}
} // namespace Internal

class NdArrayData;

/*!
 * \class QtPyVenv::NdArray
 * A typed n-dimensional array: element type, shape and raw little-endian row-major data. Cheap
 * to copy (implicitly shared). On the wire it is RFC 8746's tag 40 over a typed array.
 *
 * \code
 * std::vector<double> samples = ...;
 * QtPyVenv::NdArray matrix(samples, {rows, 3});
 * venv.invokeAndAwait("fit", {{matrix.toCbor()}}, &result);
 * const QtPyVenv::NdArray out = QtPyVenv::NdArray::fromCbor(result);
 * for (double v : out.values<double>()) ...
 * \endcode
 */
class QTPYVENV_EXPORT NdArray
{
public:
    NdArray();
    //! An array over \a data, which must hold product(shape) elements of \a dtype, little-endian.
    //! Invalid (isValid() false) when the sizes do not agree, a dimension is negative or there are
    //! more than 64 (numpy's limit). An empty \a shape is a 0-d array of one element. Bool bytes
    //! other than 0 are read as 1.
    NdArray(DType dtype, const QList<qint64> &shape, const QByteArray &data);
    //! A copy of \a values; an empty \a shape means 1-D.
    template<typename T> NdArray(std::span<const T> values, const QList<qint64> &shape = {})
        : NdArray(Internal::dtypeOf<T>(), shape.isEmpty() ? QList<qint64>{qint64(values.size())} : shape,
                  QByteArray(reinterpret_cast<const char *>(values.data()), qsizetype(values.size_bytes())))
    {
        static_assert(Internal::dtypeOf<T>() != DType::Invalid, "not an NdArray element type");
    }
    template<typename T> NdArray(const std::vector<T> &values, const QList<qint64> &shape = {})
        : NdArray(std::span<const T>(values), shape) {}
    template<typename T> NdArray(const QList<T> &values, const QList<qint64> &shape = {})
        : NdArray(std::span<const T>(values.constData(), size_t(values.size())), shape) {}
    NdArray(const NdArray &other);
    NdArray &operator=(const NdArray &other);
    ~NdArray();

    //! The array \a value holds (tag 40, or a bare 1-D typed array); invalid for anything else.
    //! The big-endian typed arrays of RFC 8746 are read too (swapped to little-endian).
    static NdArray fromCbor(const QCborValue &value);
    //! Tag 40 over the little-endian typed array, as the worker expects; undefined when invalid.
    QCborValue toCbor() const;

    bool isValid() const;
    DType dtype() const;
    QList<qint64> shape() const;
    int dimensions() const;
    //! The number of elements (the product of the shape).
    qint64 count() const;
    //! Bytes per element.
    int itemSize() const;
    //! The raw little-endian element data.
    QByteArray data() const;

    //! The elements as \a T; empty when \a T is not the dtype.
    template<typename T> std::span<const T> values() const
    {
        if (Internal::dtypeOf<T>() != dtype())
            return {};
        return std::span<const T>(static_cast<const T *>(alignedData()), size_t(count()));
    }
    //! Element \a index (flat, row-major) converted to double; bool is 0 or 1. NaN when \a index
    //! is not in [0, count()).
    double valueAt(qint64 index) const;
    //! Element \a index as the QCborValue the JSON projection would show (integer, double or bool;
    //! uint64 above INT64_MAX as double). Undefined when \a index is not in [0, count()).
    QCborValue cborAt(qint64 index) const;

    static int itemSize(DType dtype);
    static QString dtypeName(DType dtype); //!< numpy's name: "float64", "bool", ...

private:
    //! The elements, aligned for the dtype (a copy when data() is not); null when there are none.
    const void *alignedData() const;
    QSharedDataPointer<NdArrayData> d;
};

class TableData;

/*!
 * \class QtPyVenv::Table
 * A table: ordered named columns of equal length, each a typed array (NdArray) or a list of
 * values, and an optional index column. What a pandas DataFrame or Series arrives as.
 */
class QTPYVENV_EXPORT Table
{
public:
    Table();
    //! Columns are 1-D NdArray values (toCbor()) or QCborArray lists, all of one length.
    //! Invalid when they are not. \a index, if not undefined, is one more such column.
    Table(const QStringList &names, const QList<QCborValue> &columns, const QCborValue &index = {});
    Table(const Table &other);
    Table &operator=(const Table &other);
    ~Table();

    //! The Table tag; invalid for anything else.
    static Table fromCbor(const QCborValue &value);
    /*!
     * Also reads what a table looks like without its tag: a list of records (an array of maps;
     * the columns are the keys in first-seen order, a cell a record lacks is null) and a map of
     * equal-length columns (arrays or 1-D NdArrays). Keys that are not text become text as in
     * toJson(). Invalid for anything else, and for an empty list or map (no columns to show).
     */
    static Table fromValue(const QCborValue &value);
    //! The Table tag; undefined when invalid.
    QCborValue toCbor() const;

    bool isValid() const;
    int columnCount() const;
    qint64 rowCount() const;
    QStringList columnNames() const;
    //! Column \a column as it is carried: an NdArray value or a QCborArray.
    QCborValue column(int column) const;
    //! Column \a column as an NdArray; invalid when it is a list.
    NdArray numericColumn(int column) const;
    //! One cell, O(1): typed columns as NdArray::cborAt() gives them. Undefined out of range.
    QCborValue cell(qint64 row, int column) const;
    bool hasIndex() const;
    QString indexName() const;
    //! The index column as it is carried; undefined when there is none.
    QCborValue indexColumn() const;
    //! One cell of the index, O(1); undefined out of range or without an index.
    QCborValue indexAt(qint64 row) const;

private:
    QSharedDataPointer<TableData> d;
};

/*!
 * \class QtPyVenv::Image
 * An encoded image: its bytes and MIME type. What a matplotlib Figure or a PIL Image arrives as
 * (PNG). Decode it with QImage::fromData(image.data()).
 */
class QTPYVENV_EXPORT Image
{
public:
    Image() = default;
    Image(const QByteArray &data, const QString &mimeType = QStringLiteral("image/png"))
        : m_data(data), m_mimeType(mimeType) {}
    //! The Image tag; invalid for anything else.
    static Image fromCbor(const QCborValue &value);
    //! The Image tag; undefined when invalid.
    QCborValue toCbor() const;
    bool isValid() const { return !m_data.isEmpty() && !m_mimeType.isEmpty(); }
    QByteArray data() const { return m_data; }
    QString mimeType() const { return m_mimeType; }

private:
    QByteArray m_data;
    QString m_mimeType;
};

/*!
 * The JSON projection of a value, as Venv::await() delivers it: NdArrays as (nested) arrays of
 * numbers, Tables as an object of column arrays (plus "index" when there is one and no column
 * has that name), Images as {"type", "data": base64}, byte strings as base64 text, bignums and
 * Decimals as decimal text (a Decimal as Python's str() writes it: "12.50", "1.5E+30"), dates
 * as ISO 8601 text, other tags as the value they wrap; undefined and simple values as null. Map
 * keys become text (integers in decimal, others as their projection's text) and are sorted by Qt;
 * NaN and infinities stay doubles (QJsonDocument writes them as null). Arrays and maps nested
 * deeper than MaxValueDepth, which no producer sends, are cut off as null, and so is an empty
 * NdArray whose projection would hold more than 65536 empty lists (a shape like [2**32, 0]).
 */
QTPYVENV_EXPORT QJsonValue toJson(const QCborValue &value);

/*!
 * JSON text of a value that keeps what toJson() loses to QJsonObject: map order. NdArrays,
 * Tables, Images, byte strings, bignums and dates are written as toJson() projects them; NaN and
 * infinities as null. \a indent > 0 pretty-prints with that many spaces per level (one element per
 * line, "key": value, no final newline); 0 is compact (no spaces at all). Doubles are written in
 * their shortest exact form ("0.1", "1e+30", and 2.0 as "2", as QJsonDocument does). As in
 * toJson(), arrays and maps deeper than MaxValueDepth, and empty NdArrays of a shape too big to
 * project, are written as null; any depth is safe.
 */
QTPYVENV_EXPORT QByteArray toJsonText(const QCborValue &value, int indent = 2);

/*!
 * Parses JSON text into a value, keeping what QJsonDocument loses: map order and integers of any
 * size (beyond 64 bits as bignums). Also takes NaN, Infinity and -Infinity. Returns undefined
 * with \a error set for text that is not one JSON value or is nested deeper than MaxValueDepth.
 */
QTPYVENV_EXPORT QCborValue fromJsonText(const QByteArray &json, QString *error = nullptr);

} // namespace QtPyVenv

Q_DECLARE_METATYPE(QtPyVenv::Arguments)
