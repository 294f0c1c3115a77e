// SPDX-License-Identifier: MIT
#include <QtPyVenv/value.h>

#include "bignum.h"

#include <QFloat16>
#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QtEndian>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>

namespace QtPyVenv {

namespace {

// numpy's limit (NPY_MAXDIMS of numpy 2); it also bounds the recursion over a shape.
constexpr int MaxDimensions = 64;
// An empty array costs no bytes on the wire whatever its shape, but its JSON projection holds an
// empty list for each index of the dimensions before the first zero: 2**32 of them for a shape
// of [2**32, 0]. Beyond this many, the projection is null.
constexpr qint64 MaxProjectedEmptyLists = 1 << 16;

struct TypedArrayTag {
    DType dtype = DType::Invalid;
    bool bigEndian = false;
};

// RFC 8746 section 2.1; float128 (83, 87) has no DType and stays unknown.
TypedArrayTag typedArrayTag(quint64 tag)
{
    switch (tag) {
    case 64:
    case 68: // "clamped" only says how the values were computed
        return {DType::UInt8};
    case 65: return {DType::UInt16, true};
    case 66: return {DType::UInt32, true};
    case 67: return {DType::UInt64, true};
    case 69: return {DType::UInt16};
    case 70: return {DType::UInt32};
    case 71: return {DType::UInt64};
    case 72: return {DType::Int8};
    case 73: return {DType::Int16, true};
    case 74: return {DType::Int32, true};
    case 75: return {DType::Int64, true};
    case 77: return {DType::Int16};
    case 78: return {DType::Int32};
    case 79: return {DType::Int64};
    case 80: return {DType::Float16, true};
    case 81: return {DType::Float32, true};
    case 82: return {DType::Float64, true};
    case 84: return {DType::Float16};
    case 85: return {DType::Float32};
    case 86: return {DType::Float64};
    case Tag::BoolArray: return {DType::Bool};
    default: return {};
    }
}

quint64 littleEndianTag(DType dtype)
{
    switch (dtype) {
    case DType::Bool: return Tag::BoolArray;
    case DType::Int8: return 72;
    case DType::UInt8: return 64;
    case DType::Int16: return 77;
    case DType::UInt16: return 69;
    case DType::Int32: return 78;
    case DType::UInt32: return 70;
    case DType::Int64: return 79;
    case DType::UInt64: return 71;
    case DType::Float16: return 84;
    case DType::Float32: return 85;
    case DType::Float64: return 86;
    case DType::Invalid: break;
    }
    return 0;
}

QByteArray byteSwapped(const QByteArray &data, int itemSize)
{
    QByteArray swapped(data.size(), Qt::Uninitialized);
    char *out = swapped.data();
    for (qsizetype at = 0; at < data.size(); at += itemSize)
        std::reverse_copy(data.constData() + at, data.constData() + at + itemSize, out + at);
    return swapped;
}

// The element count of \a shape, or nullopt when a dimension is negative or the byte size of
// the array would not fit in a qsizetype.
std::optional<qint64> elementCount(const QList<qint64> &shape, int itemSize)
{
    if (shape.size() > MaxDimensions || std::any_of(shape.begin(), shape.end(), [](qint64 n) { return n < 0; }))
        return std::nullopt;
    // A zero anywhere makes the array empty, however large the other dimensions are.
    if (shape.contains(0))
        return 0;
    const qint64 limit = std::numeric_limits<qsizetype>::max() / itemSize;
    qint64 count = 1;
    for (const qint64 n : shape) {
        if (count > limit / n)
            return std::nullopt;
        count *= n;
    }
    return count;
}

template<typename T> T load(const char *at)
{
    return qFromLittleEndian<T>(at);
}

float loadFloat16(const char *at)
{
    const quint16 bits = qFromLittleEndian<quint16>(at);
    // qfloat16 of Qt 6.4 has no constructor from its bits; it is trivially copyable.
    static_assert(std::is_trivially_copyable_v<qfloat16> && sizeof(qfloat16) == sizeof bits);
    qfloat16 value;
    std::memcpy(static_cast<void *>(&value), &bits, sizeof bits);
    return float(value);
}

} // namespace

class NdArrayData : public QSharedData
{
public:
    DType dtype = DType::Invalid;
    QList<qint64> shape;
    qint64 count = 0;
    QByteArray data;
    // A copy of data for when data itself is not aligned for the element type (a byte array
    // from fromRawData() or one whose front was removed); uint64 words align every dtype.
    std::vector<quint64> aligned;
};

NdArray::NdArray() : d(new NdArrayData) {}

NdArray::NdArray(DType dtype, const QList<qint64> &shape, const QByteArray &data) : d(new NdArrayData)
{
    const int size = itemSize(dtype);
    if (size == 0)
        return;
    const std::optional<qint64> count = elementCount(shape, size);
    if (!count || *count * size != data.size())
        return;
    d->dtype = dtype;
    d->shape = shape;
    d->count = *count;
    d->data = data;
    // Any byte but 0 and 1 read as a bool is undefined behaviour; numpy reads nonzero as True.
    if (dtype == DType::Bool && std::any_of(data.begin(), data.end(), [](char c) { return c != 0 && c != 1; })) {
        QByteArray normalised(data.size(), Qt::Uninitialized);
        std::transform(data.begin(), data.end(), normalised.begin(), [](char c) { return char(c != 0); });
        d->data = normalised;
    }
    if (d->count > 0 && quintptr(d->data.constData()) % quintptr(size) != 0) {
        d->aligned.resize(size_t(d->data.size() + 7) / 8);
        std::memcpy(d->aligned.data(), d->data.constData(), size_t(d->data.size()));
    }
}

NdArray::NdArray(const NdArray &other) = default;
NdArray &NdArray::operator=(const NdArray &other) = default;
NdArray::~NdArray() = default;

NdArray NdArray::fromCbor(const QCborValue &value)
{
    if (!value.isTag())
        return {};
    const quint64 tag = quint64(value.tag());
    const QCborValue content = value.taggedValue();
    QList<qint64> shape;
    QCborValue typed = value;
    if (tag == Tag::MultiDimArray) {
        const QCborArray parts = content.toArray();
        if (!content.isArray() || parts.size() != 2 || !parts.at(0).isArray())
            return {};
        const QCborArray dims = parts.at(0).toArray();
        if (dims.size() > MaxDimensions)
            return {};
        shape.reserve(dims.size());
        for (const QCborValue &dim : dims) {
            if (!dim.isInteger())
                return {};
            shape.append(dim.toInteger());
        }
        typed = parts.at(1);
        if (!typed.isTag())
            return {};
    }
    const TypedArrayTag element = typedArrayTag(quint64(typed.tag()));
    const QCborValue bytes = typed.taggedValue();
    if (element.dtype == DType::Invalid || !bytes.isByteArray())
        return {};
    const int size = itemSize(element.dtype);
    QByteArray data = bytes.toByteArray();
    if (data.size() % size != 0)
        return {}; // checked before the swap, which goes item by item
    if (tag != Tag::MultiDimArray)
        shape = {data.size() / size};
    if (element.bigEndian)
        data = byteSwapped(data, size);
    return NdArray(element.dtype, shape, data);
}

QCborValue NdArray::toCbor() const
{
    if (!isValid())
        return {};
    QCborArray shape;
    for (const qint64 n : d->shape)
        shape.append(n);
    return QCborValue(QCborTag(Tag::MultiDimArray),
                      QCborArray{shape, QCborValue(QCborTag(littleEndianTag(d->dtype)), d->data)});
}

bool NdArray::isValid() const
{
    return d->dtype != DType::Invalid;
}

DType NdArray::dtype() const
{
    return d->dtype;
}

QList<qint64> NdArray::shape() const
{
    return d->shape;
}

int NdArray::dimensions() const
{
    return int(d->shape.size());
}

qint64 NdArray::count() const
{
    return d->count;
}

int NdArray::itemSize() const
{
    return itemSize(d->dtype);
}

QByteArray NdArray::data() const
{
    return d->data;
}

double NdArray::valueAt(qint64 index) const
{
    if (index < 0 || index >= d->count)
        return qQNaN();
    const char *at = d->data.constData() + index * itemSize();
    switch (d->dtype) {
    case DType::Bool: return *at ? 1 : 0;
    case DType::Int8: return double(qint8(*at));
    case DType::UInt8: return double(quint8(*at));
    case DType::Int16: return load<qint16>(at);
    case DType::UInt16: return load<quint16>(at);
    case DType::Int32: return load<qint32>(at);
    case DType::UInt32: return load<quint32>(at);
    case DType::Int64: return double(load<qint64>(at));
    case DType::UInt64: return double(load<quint64>(at));
    case DType::Float16: return loadFloat16(at);
    case DType::Float32: return load<float>(at);
    case DType::Float64: return load<double>(at);
    case DType::Invalid: break;
    }
    return qQNaN();
}

QCborValue NdArray::cborAt(qint64 index) const
{
    if (index < 0 || index >= d->count)
        return {};
    const char *at = d->data.constData() + index * itemSize();
    switch (d->dtype) {
    case DType::Bool: return *at != 0;
    case DType::Int8: return qint8(*at);
    case DType::UInt8: return quint8(*at);
    case DType::Int16: return load<qint16>(at);
    case DType::UInt16: return load<quint16>(at);
    case DType::Int32: return load<qint32>(at);
    case DType::UInt32: return qint64(load<quint32>(at));
    case DType::Int64: return qint64(load<qint64>(at));
    case DType::UInt64: {
        // A CBOR integer of Qt's holds 64 signed bits; JSON readers keep no more than a double.
        const quint64 value = load<quint64>(at);
        return value <= quint64(std::numeric_limits<qint64>::max()) ? QCborValue(qint64(value)) : QCborValue(double(value));
    }
    case DType::Float16: return double(loadFloat16(at));
    case DType::Float32: return double(load<float>(at));
    case DType::Float64: return load<double>(at);
    case DType::Invalid: break;
    }
    return {};
}

int NdArray::itemSize(DType dtype)
{
    switch (dtype) {
    case DType::Bool:
    case DType::Int8:
    case DType::UInt8: return 1;
    case DType::Int16:
    case DType::UInt16:
    case DType::Float16: return 2;
    case DType::Int32:
    case DType::UInt32:
    case DType::Float32: return 4;
    case DType::Int64:
    case DType::UInt64:
    case DType::Float64: return 8;
    case DType::Invalid: break;
    }
    return 0;
}

QString NdArray::dtypeName(DType dtype)
{
    switch (dtype) {
    case DType::Bool: return QStringLiteral("bool");
    case DType::Int8: return QStringLiteral("int8");
    case DType::UInt8: return QStringLiteral("uint8");
    case DType::Int16: return QStringLiteral("int16");
    case DType::UInt16: return QStringLiteral("uint16");
    case DType::Int32: return QStringLiteral("int32");
    case DType::UInt32: return QStringLiteral("uint32");
    case DType::Int64: return QStringLiteral("int64");
    case DType::UInt64: return QStringLiteral("uint64");
    case DType::Float16: return QStringLiteral("float16");
    case DType::Float32: return QStringLiteral("float32");
    case DType::Float64: return QStringLiteral("float64");
    case DType::Invalid: break;
    }
    return {};
}

const void *NdArray::alignedData() const
{
    if (d->count == 0)
        return nullptr;
    return d->aligned.empty() ? static_cast<const void *>(d->data.constData()) : d->aligned.data();
}

// ---------------------------------------------------------------------------------------------

class TableData : public QSharedData
{
public:
    // A column decoded once, so that cell() reads it directly.
    struct Column {
        QCborValue carried;
        NdArray array; // valid for a typed column
        QCborArray list;
        qint64 size = 0;

        bool read(const QCborValue &value)
        {
            carried = value;
            if (value.isArray()) {
                list = value.toArray();
                size = list.size();
                return true;
            }
            array = NdArray::fromCbor(value);
            size = array.count();
            return array.isValid() && array.dimensions() == 1;
        }
        QCborValue at(qint64 row) const { return array.isValid() ? array.cborAt(row) : list.at(row); }
    };

    bool build(const QStringList &names, const QList<QCborValue> &values, const QCborValue &indexValue)
    {
        if (names.size() != values.size())
            return false;
        columns.resize(values.size());
        qint64 size = -1;
        for (qsizetype i = 0; i < values.size(); ++i) {
            if (!columns[i].read(values.at(i)) || (size >= 0 && columns[i].size != size))
                return false;
            size = columns[i].size;
        }
        if (!indexValue.isUndefined()) {
            if (!index.read(indexValue) || (size >= 0 && index.size != size))
                return false;
            size = index.size;
            hasIndex = true;
        }
        columnNames = names;
        rows = std::max<qint64>(size, 0);
        valid = true;
        return true;
    }

    QStringList columnNames;
    QList<Column> columns;
    Column index;
    bool hasIndex = false;
    QString indexName;
    qint64 rows = 0;
    bool valid = false;
};

namespace {
QString keyText(const QCborValue &key, int depth, bool insideKey = false);
}

Table::Table() : d(new TableData) {}

Table::Table(const QStringList &names, const QList<QCborValue> &columns, const QCborValue &index) : d(new TableData)
{
    if (!d->build(names, columns, index))
        d = new TableData;
}

Table::Table(const Table &other) = default;
Table &Table::operator=(const Table &other) = default;
Table::~Table() = default;

Table Table::fromCbor(const QCborValue &value)
{
    if (!value.isTag() || quint64(value.tag()) != Tag::Table || !value.taggedValue().isMap())
        return {};
    const QCborMap map = value.taggedValue().toMap();
    const QCborValue names = map.value(QLatin1StringView("names"));
    const QCborValue columns = map.value(QLatin1StringView("columns"));
    if (!names.isArray() || !columns.isArray())
        return {};
    QStringList columnNames;
    const QCborArray nameList = names.toArray(); // const: a non-const QCborArray detaches
    for (const QCborValue &name : nameList) {
        if (!name.isString())
            return {};
        columnNames.append(name.toString());
    }
    QCborValue index = map.value(QLatin1StringView("index"));
    if (index.isNull())
        index = QCborValue();
    QList<QCborValue> columnValues;
    const QCborArray columnList = columns.toArray();
    for (const QCborValue &column : columnList)
        columnValues.append(column);
    Table table;
    if (!table.d->build(columnNames, columnValues, index))
        return {};
    table.d->indexName = map.value(QLatin1StringView("indexName")).toString();
    return table;
}

Table Table::fromValue(const QCborValue &value)
{
    if (value.isTag())
        return fromCbor(value);
    QStringList names;
    QList<QCborValue> columns;
    if (value.isArray()) {
        const QCborArray records = value.toArray();
        QHash<QString, qsizetype> columnOf;
        QList<QCborArray> lists;
        for (qsizetype row = 0; row < records.size(); ++row) {
            if (!records.at(row).isMap())
                return {};
            const QCborMap record = records.at(row).toMap();
            for (auto it = record.cbegin(); it != record.cend(); ++it) {
                const QString name = keyText(it.key(), 1);
                auto column = columnOf.constFind(name);
                if (column == columnOf.cend()) {
                    column = columnOf.insert(name, lists.size());
                    names.append(name);
                    lists.append(QCborArray());
                }
                QCborArray &list = lists[*column];
                // Earlier rows that lacked the key, then the cell; a repeated key replaces it.
                while (list.size() < row)
                    list.append(nullptr);
                if (list.size() == row)
                    list.append(it.value());
                else
                    list[row] = it.value();
            }
        }
        for (QCborArray &list : lists) {
            while (list.size() < records.size())
                list.append(nullptr);
            columns.append(list);
        }
    } else if (value.isMap()) {
        const QCborMap map = value.toMap();
        for (auto it = map.cbegin(); it != map.cend(); ++it) {
            names.append(keyText(it.key(), 1));
            columns.append(it.value());
        }
    }
    if (names.isEmpty())
        return {};
    return Table(names, columns);
}

QCborValue Table::toCbor() const
{
    if (!isValid())
        return {};
    QCborArray columns;
    for (const TableData::Column &column : d->columns)
        columns.append(column.carried);
    QCborMap map{{QStringLiteral("names"), QCborArray::fromStringList(d->columnNames)},
                 {QStringLiteral("columns"), columns}};
    if (d->hasIndex) {
        map.insert(QStringLiteral("index"), d->index.carried);
        if (!d->indexName.isEmpty())
            map.insert(QStringLiteral("indexName"), d->indexName);
    }
    return QCborValue(QCborTag(Tag::Table), map);
}

bool Table::isValid() const
{
    return d->valid;
}

int Table::columnCount() const
{
    return int(d->columns.size());
}

qint64 Table::rowCount() const
{
    return d->rows;
}

QStringList Table::columnNames() const
{
    return d->columnNames;
}

QCborValue Table::column(int column) const
{
    return column >= 0 && column < d->columns.size() ? d->columns.at(column).carried : QCborValue();
}

NdArray Table::numericColumn(int column) const
{
    return column >= 0 && column < d->columns.size() ? d->columns.at(column).array : NdArray();
}

QCborValue Table::cell(qint64 row, int column) const
{
    if (column < 0 || column >= d->columns.size() || row < 0 || row >= d->rows)
        return {};
    return d->columns.at(column).at(row);
}

bool Table::hasIndex() const
{
    return d->hasIndex;
}

QString Table::indexName() const
{
    return d->indexName;
}

QCborValue Table::indexColumn() const
{
    return d->hasIndex ? d->index.carried : QCborValue();
}

QCborValue Table::indexAt(qint64 row) const
{
    if (!d->hasIndex || row < 0 || row >= d->rows)
        return {};
    return d->index.at(row);
}

// ---------------------------------------------------------------------------------------------

Image Image::fromCbor(const QCborValue &value)
{
    if (!value.isTag() || quint64(value.tag()) != Tag::Image)
        return {};
    const QCborMap map = value.taggedValue().toMap();
    const QCborValue type = map.value(QLatin1StringView("type"));
    const QCborValue data = map.value(QLatin1StringView("data"));
    if (!type.isString() || !data.isByteArray())
        return {};
    return Image(data.toByteArray(), type.toString());
}

QCborValue Image::toCbor() const
{
    if (!isValid())
        return {};
    return QCborValue(QCborTag(Tag::Image), QCborMap{{QStringLiteral("type"), m_mimeType}, {QStringLiteral("data"), m_data}});
}

// ---------------------------------------------------------------------------------------------

namespace {

bool isBignumTag(quint64 tag)
{
    return tag == quint64(QCborKnownTags::PositiveBignum) || tag == quint64(QCborKnownTags::NegativeBignum);
}

// The decimal digits of a bignum's big-endian \a magnitude; tag 3 means -1 - n.
QByteArray decimalDigits(QByteArrayView magnitude, bool negative)
{
    return negative ? Internal::decimalFromMagnitude(Internal::addToMagnitude(magnitude, 1))
                    : Internal::decimalFromMagnitude(magnitude);
}

std::optional<QString> bignumText(const QCborValue &value)
{
    const quint64 tag = quint64(value.tag());
    const QCborValue content = value.taggedValue();
    if (!content.isByteArray())
        return std::nullopt;
    const bool negative = tag == quint64(QCborKnownTags::NegativeBignum);
    const QByteArray digits = decimalDigits(content.toByteArray(), negative);
    return QString::fromLatin1(negative ? '-' + digits : digits);
}

// Tag 4's [exponent, mantissa] as Python's Decimal writes it (the "to-scientific-string" of the
// General Decimal Arithmetic specification): plain digits unless the exponent is positive or
// the number is below 1E-6.
std::optional<QString> decimalFractionText(const QCborValue &content)
{
    const QCborArray parts = content.toArray();
    if (!content.isArray() || parts.size() != 2 || !parts.at(0).isInteger())
        return std::nullopt;
    const qint64 exponent = parts.at(0).toInteger();
    const QCborValue mantissa = parts.at(1);
    QByteArray digits;
    bool negative = false;
    if (mantissa.isInteger()) {
        const qint64 m = mantissa.toInteger();
        negative = m < 0;
        digits = QByteArray::number(negative ? 0 - quint64(m) : quint64(m));
    } else if (mantissa.isTag() && isBignumTag(quint64(mantissa.tag())) && mantissa.taggedValue().isByteArray()) {
        negative = quint64(mantissa.tag()) == quint64(QCborKnownTags::NegativeBignum);
        digits = decimalDigits(mantissa.taggedValue().toByteArray(), negative);
    } else {
        return std::nullopt;
    }
    qint64 adjusted = 0;
    if (qAddOverflow(exponent, qint64(digits.size() - 1), &adjusted))
        return std::nullopt;
    QByteArray text;
    if (exponent <= 0 && adjusted >= -6) {
        const qint64 point = digits.size() + exponent; // digits before the point
        if (exponent == 0)
            text = digits;
        else if (point > 0)
            text = digits.left(point) + '.' + digits.mid(point);
        else
            text = "0." + QByteArray(-point, '0') + digits;
    } else {
        text = digits.left(1);
        if (digits.size() > 1)
            text += '.' + digits.mid(1);
        text += adjusted >= 0 ? "E+" : "E";
        text += QByteArray::number(adjusted);
    }
    return QString::fromLatin1(negative ? '-' + text : text);
}

// A value one level into its JSON projection: tags resolved and byte strings as base64, so
// that what is left is null, bool, integer, double, string, array or map, or an NdArray.
struct Projected {
    QCborValue value;
    NdArray array;
};

QCborMap tableProjection(const Table &table)
{
    QCborMap map;
    const QStringList names = table.columnNames();
    for (int i = 0; i < names.size(); ++i)
        map.insert(names.at(i), table.column(i));
    if (table.hasIndex() && !names.contains(QLatin1StringView("index")))
        map.insert(QStringLiteral("index"), table.indexColumn());
    return map;
}

Projected project(QCborValue value)
{
    // A loop, not recursion: a tag may wrap a tag, as deep as the value goes.
    for (;;) {
        if (value.isByteArray())
            return {QString::fromLatin1(value.toByteArray().toBase64()), {}};
        if (!value.isTag())
            return {value, {}};
        const quint64 tag = quint64(value.tag());
        if (tag == Tag::MultiDimArray || typedArrayTag(tag).dtype != DType::Invalid) {
            NdArray array = NdArray::fromCbor(value);
            if (array.isValid())
                return {{}, array};
        } else if (tag == Tag::Table) {
            const Table table = Table::fromCbor(value);
            if (table.isValid())
                return {tableProjection(table), {}};
        } else if (tag == Tag::Image) {
            const Image image = Image::fromCbor(value);
            if (image.isValid())
                return {QCborMap{{QStringLiteral("type"), image.mimeType()}, {QStringLiteral("data"), image.data()}}, {}};
        } else if (isBignumTag(tag)) {
            if (const std::optional<QString> text = bignumText(value))
                return {*text, {}};
        } else if (tag == quint64(QCborKnownTags::Decimal)) {
            if (const std::optional<QString> text = decimalFractionText(value.taggedValue()))
                return {*text, {}};
        }
        // Dates and times (Qt's DateTime included), other tags and the above when malformed:
        // what they wrap.
        value = value.taggedValue();
    }
}

QJsonValue elementJson(const QCborValue &element)
{
    if (element.isBool())
        return element.toBool();
    if (element.isInteger())
        return element.toInteger();
    return element.toDouble();
}

// Whether the JSON projection of \a array is bounded by its data (see MaxProjectedEmptyLists).
bool isProjectable(const NdArray &array)
{
    if (array.count() > 0)
        return true;
    qint64 lists = 1;
    for (const qint64 n : array.shape()) {
        if (n == 0)
            break;
        if (lists > MaxProjectedEmptyLists / n)
            return false;
        lists *= n;
    }
    return true;
}

QJsonValue ndArrayJson(const NdArray &array, const QList<qint64> &shape, int dim, qint64 &flat)
{
    if (dim == shape.size())
        return elementJson(array.cborAt(flat++));
    QJsonArray out;
    for (qint64 i = 0; i < shape.at(dim); ++i)
        out.append(ndArrayJson(array, shape, dim + 1, flat));
    return out;
}

// \a depth counts the arrays and maps around \a value; those deeper are cut off as null.
QJsonValue toJson(const QCborValue &value, int depth)
{
    const Projected projected = project(value);
    if (projected.array.isValid()) {
        if ((projected.array.dimensions() > 0 && depth >= MaxValueDepth) || !isProjectable(projected.array))
            return QJsonValue::Null;
        qint64 flat = 0;
        return ndArrayJson(projected.array, projected.array.shape(), 0, flat);
    }
    const QCborValue &v = projected.value;
    switch (v.type()) {
    case QCborValue::Integer: return v.toInteger();
    case QCborValue::Double: return v.toDouble();
    case QCborValue::True: return true;
    case QCborValue::False: return false;
    case QCborValue::String: return v.toJsonValue(); // shares the string, where toString() copies it twice
    case QCborValue::Array: {
        if (depth >= MaxValueDepth)
            return QJsonValue::Null;
        QJsonArray out;
        const QCborArray elements = v.toArray(); // const: iterating a non-const one copies it
        for (const QCborValue &element : elements)
            out.append(toJson(element, depth + 1));
        return out;
    }
    case QCborValue::Map: {
        if (depth >= MaxValueDepth)
            return QJsonValue::Null;
        QJsonObject out;
        const QCborMap map = v.toMap();
        for (auto it = map.cbegin(); it != map.cend(); ++it)
            out.insert(keyText(it.key(), depth + 1), toJson(it.value(), depth + 1));
        return out;
    }
    default: return QJsonValue::Null; // null, undefined, simple values
    }
}

// JSON text with an explicit stack of the open arrays and maps, so that no depth of value
// exhausts the call stack.
class JsonTextWriter
{
public:
    JsonTextWriter(int indent, int depth, bool forKey = false)
        : m_indent(std::max(indent, 0)), m_baseDepth(depth), m_forKey(forKey)
    {
    }

    QByteArray write(const QCborValue &value)
    {
        writeValue(value, m_baseDepth);
        while (!m_stack.empty()) {
            Frame &frame = m_stack.back();
            const int depth = frame.depth;
            if (frame.next == frame.size) {
                const char close = frame.isMap ? '}' : ']';
                m_stack.pop_back();
                newline(depth);
                m_out += close;
                continue;
            }
            const qsizetype i = frame.next++;
            if (i > 0)
                m_out += ',';
            newline(depth + 1);
            // Copied out: writing it may push a frame and move this one.
            QCborValue element;
            if (frame.isMap) {
                const auto entry = frame.map.constBegin() + i;
                element = entry.value();
                writeString(keyText(entry.key(), depth + 1, m_forKey));
                m_out += m_indent > 0 ? ": " : ":";
            } else {
                element = frame.array.at(i);
            }
            writeValue(element, depth + 1);
        }
        return m_out;
    }

private:
    struct Frame {
        QCborArray array;
        QCborMap map;
        bool isMap = false;
        qsizetype size = 0;
        qsizetype next = 0;
        int depth = 0;
    };

    void newline(int depth)
    {
        if (m_indent > 0) {
            m_out += '\n';
            m_out.append(qsizetype(depth - m_baseDepth) * m_indent, ' ');
        }
    }

    void writeDouble(double value)
    {
        if (value == 0 && std::signbit(value))
            m_out += "-0"; // QByteArray::number() drops the sign
        else if (qIsFinite(value))
            m_out += QByteArray::number(value, 'g', QLocale::FloatingPointShortest);
        else
            m_out += "null";
    }

    void writeString(const QString &text)
    {
        static constexpr char Hex[] = "0123456789abcdef";
        const QByteArray utf8 = text.toUtf8();
        m_out.reserve(m_out.size() + utf8.size() + 2);
        m_out += '"';
        for (const char c : utf8) {
            switch (c) {
            case '"': m_out += "\\\""; break;
            case '\\': m_out += "\\\\"; break;
            case '\b': m_out += "\\b"; break;
            case '\f': m_out += "\\f"; break;
            case '\n': m_out += "\\n"; break;
            case '\r': m_out += "\\r"; break;
            case '\t': m_out += "\\t"; break;
            default:
                if (uchar(c) < 0x20) {
                    m_out += "\\u00";
                    m_out += Hex[uchar(c) >> 4];
                    m_out += Hex[uchar(c) & 0xf];
                } else {
                    m_out += c;
                }
            }
        }
        m_out += '"';
    }

    void writeElement(const QCborValue &element)
    {
        if (element.isBool())
            m_out += element.toBool() ? "true" : "false";
        else if (element.isInteger())
            m_out += QByteArray::number(element.toInteger());
        else
            writeDouble(element.toDouble());
    }

    void writeNdArray(const NdArray &array, const QList<qint64> &shape, int dim, qint64 &flat, int depth)
    {
        if (dim == shape.size()) {
            writeElement(array.cborAt(flat++));
            return;
        }
        if (shape.at(dim) == 0) {
            m_out += "[]";
            return;
        }
        m_out += '[';
        for (qint64 i = 0; i < shape.at(dim); ++i) {
            if (i > 0)
                m_out += ',';
            newline(depth + 1);
            writeNdArray(array, shape, dim + 1, flat, depth + 1);
        }
        newline(depth);
        m_out += ']';
    }

    // Writes a scalar or an NdArray, or opens an array or map for write() to fill.
    void writeValue(const QCborValue &value, int depth)
    {
        const Projected projected = project(value);
        if (projected.array.isValid()) {
            if ((projected.array.dimensions() > 0 && depth >= MaxValueDepth) || !isProjectable(projected.array)) {
                m_out += "null";
                return;
            }
            qint64 flat = 0;
            writeNdArray(projected.array, projected.array.shape(), 0, flat, depth);
            return;
        }
        const QCborValue &v = projected.value;
        switch (v.type()) {
        case QCborValue::Integer: m_out += QByteArray::number(v.toInteger()); return;
        case QCborValue::Double: writeDouble(v.toDouble()); return;
        case QCborValue::True: m_out += "true"; return;
        case QCborValue::False: m_out += "false"; return;
        case QCborValue::String: writeString(v.toString()); return;
        case QCborValue::Array:
        case QCborValue::Map: {
            if (depth >= MaxValueDepth) {
                m_out += "null";
                return;
            }
            Frame frame;
            frame.isMap = v.isMap();
            frame.depth = depth;
            if (frame.isMap) {
                frame.map = v.toMap();
                frame.size = frame.map.size();
            } else {
                frame.array = v.toArray();
                frame.size = frame.array.size();
            }
            if (frame.size == 0) {
                m_out += frame.isMap ? "{}" : "[]";
                return;
            }
            m_out += frame.isMap ? '{' : '[';
            m_stack.push_back(std::move(frame));
            return;
        }
        default: m_out += "null"; return;
        }
    }

    const int m_indent;
    const int m_baseDepth;
    const bool m_forKey; // writing the text of a map key
    QByteArray m_out;
    std::vector<Frame> m_stack;
};

// A map key as JSON object keys must be: text. Strings stay, integers are decimal, byte strings
// and bignums their projected text, anything else its compact JSON text. Inside that text, a key
// that is an array or map is cut to null: each such level would escape the quotes of the next
// once more, and the text would double with every level.
QString keyText(const QCborValue &key, int depth, bool insideKey)
{
    if (key.isString())
        return key.toString();
    if (key.isInteger())
        return QString::number(key.toInteger());
    const Projected projected = project(key);
    if (!projected.array.isValid() && projected.value.isString())
        return projected.value.toString();
    if (insideKey && (projected.array.isValid() || projected.value.isArray() || projected.value.isMap()))
        return QStringLiteral("null");
    return QString::fromUtf8(JsonTextWriter(0, depth, true).write(key));
}

} // namespace

QJsonValue toJson(const QCborValue &value)
{
    return toJson(value, 0);
}

QByteArray toJsonText(const QCborValue &value, int indent)
{
    return JsonTextWriter(indent, 0).write(value);
}

} // namespace QtPyVenv
