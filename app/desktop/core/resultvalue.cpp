// SPDX-License-Identifier: MIT
#include "resultvalue.h"

#include <QCborArray>
#include <QCborMap>
#include <QDateTime>
#include <QLocale>

#include <cmath>
#include <limits>

namespace QtPyVenvApp {

namespace {

constexpr int MaxCellChars = 200;

bool isTypedArrayTag(quint64 tag)
{
    return tag == QtPyVenv::Tag::MultiDimArray || tag == QtPyVenv::Tag::BoolArray
           || (tag >= QtPyVenv::Tag::TypedArrayFirst && tag <= QtPyVenv::Tag::TypedArrayLast);
}

quint64 tagOf(const QCborValue &value)
{
    return value.isTag() ? quint64(value.tag()) : std::numeric_limits<quint64>::max();
}

//! Bytes that start like a PNG or a JPEG file.
bool looksLikeImage(const QByteArray &bytes)
{
    return bytes.startsWith("\x89PNG\r\n\x1a\n") || bytes.startsWith("\xff\xd8\xff");
}

bool holdsImage(const QCborValue &value)
{
    if (tagOf(value) == QtPyVenv::Tag::Image)
        return QtPyVenv::Image::fromCbor(value).isValid();
    return value.isByteArray() && looksLikeImage(value.toByteArray());
}

QString shapeText(const QList<qint64> &shape)
{
    QStringList dims;
    for (qint64 d : shape)
        dims << QString::number(d);
    return dims.join(QChar(0x00D7)); // ×
}

QString sizeText(qint64 bytes)
{
    return QLocale::c().formattedDataSize(bytes, 1, QLocale::DataSizeIecFormat);
}

QString elided(QString text)
{
    if (text.size() > MaxCellChars)
        text = text.left(MaxCellChars - 1) + QChar(0x2026); // …
    return text;
}

QString doubleText(double d)
{
    if (std::isnan(d))
        return QStringLiteral("NaN");
    if (std::isinf(d))
        return d > 0 ? QStringLiteral("inf") : QStringLiteral("-inf");
    QString text = QString::number(d, 'g', QLocale::FloatingPointShortest);
    // 3.0 stays recognisably a float, as Python and pandas write it.
    if (!text.contains(QLatin1Char('.')) && !text.contains(QLatin1Char('e')))
        text += QStringLiteral(".0");
    return text;
}

template<typename T> void accumulate(std::span<const T> values, ArrayStats &stats, double &sum)
{
    for (const T v : values) {
        const double d = double(v);
        if (std::isnan(d)) {
            ++stats.nanCount;
            continue;
        }
        if (stats.count == 0) {
            stats.min = stats.max = d;
        } else {
            stats.min = std::min(stats.min, d);
            stats.max = std::max(stats.max, d);
        }
        ++stats.count;
        sum += d;
    }
}

bool isSpecialTag(quint64 tag)
{
    return isTypedArrayTag(tag) || tag == QtPyVenv::Tag::Table || tag == QtPyVenv::Tag::Image;
}

void appendJsonLine(QString &out, const QCborValue &value, qsizetype maxChars)
{
    if (out.size() > maxChars)
        return;
    if (value.isArray()) {
        out += QLatin1Char('[');
        bool first = true;
        const QCborArray items = value.toArray(); // const: iterating a non-const one copies it
        for (const QCborValue &item : items) {
            if (out.size() > maxChars)
                return;
            if (!first)
                out += QStringLiteral(", ");
            first = false;
            appendJsonLine(out, item, maxChars);
        }
        out += QLatin1Char(']');
    } else if (value.isMap()) {
        out += QLatin1Char('{');
        const QCborMap map = value.toMap();
        for (auto it = map.constBegin(); it != map.constEnd(); ++it) {
            if (out.size() > maxChars)
                return;
            if (it != map.constBegin())
                out += QStringLiteral(", ");
            appendJsonLine(out, it.key().isString() ? it.key() : QCborValue(cellText(it.key())), maxChars);
            out += QStringLiteral(": ");
            appendJsonLine(out, it.value(), maxChars);
        }
        out += QLatin1Char('}');
    } else if (value.isTag() && isSpecialTag(quint64(value.tag()))) {
        out += valueSummary(value);
    } else {
        out += QString::fromUtf8(QtPyVenv::toJsonText(value, 0));
    }
}

} // namespace

QString jsonLine(const QCborValue &value, qsizetype maxChars)
{
    QString out;
    appendJsonLine(out, value, maxChars);
    if (out.size() > maxChars)
        out = out.left(maxChars) + QChar(0x2026);
    return out;
}

QString compactCellText(const QCborValue &value)
{
    if (!value.isDouble() || !std::isfinite(value.toDouble()))
        return cellText(value);
    QString text = QString::number(value.toDouble(), 'g', 8);
    if (!text.contains(QLatin1Char('.')) && !text.contains(QLatin1Char('e')))
        text += QStringLiteral(".0");
    return text;
}

QtPyVenv::Table tableOf(const QCborValue &value)
{
    QtPyVenv::Table table = QtPyVenv::Table::fromCbor(value);
    if (!table.isValid() && (value.isArray() || value.isMap()))
        table = QtPyVenv::Table::fromValue(value);
    return table.isValid() && table.columnCount() > 0 ? table : QtPyVenv::Table();
}

QImage imageOf(const QCborValue &value)
{
    if (!holdsImage(value))
        return {};
    return QImage::fromData(value.isByteArray() ? value.toByteArray() : QtPyVenv::Image::fromCbor(value).data());
}

QList<ResultKind> applicableViews(const QCborValue &value)
{
    QList<ResultKind> kinds;
    if (tableOf(value).isValid())
        kinds << ResultKind::Table;
    if (holdsImage(value))
        kinds << ResultKind::Image;
    if (isTypedArrayTag(tagOf(value)) && QtPyVenv::NdArray::fromCbor(value).isValid())
        kinds << ResultKind::Array;
    kinds << ResultKind::Tree << ResultKind::Text;
    return kinds;
}

ResultKind chooseView(const QCborValue &value)
{
    const QList<ResultKind> kinds = applicableViews(value);
    for (ResultKind kind : {ResultKind::Image, ResultKind::Table, ResultKind::Array}) {
        if (kinds.contains(kind))
            return kind;
    }
    return value.isArray() || value.isMap() ? ResultKind::Tree : ResultKind::Text;
}

QString resultKindName(ResultKind kind)
{
    switch (kind) {
    case ResultKind::Table: return QObject::tr("Table");
    case ResultKind::Image: return QObject::tr("Image");
    case ResultKind::Array: return QObject::tr("Array");
    case ResultKind::Tree: return QObject::tr("Tree");
    case ResultKind::Text: return QObject::tr("Text");
    }
    return {};
}

QString valueTypeName(const QCborValue &value)
{
    if (value.isDateTime())
        return QStringLiteral("datetime");
    if (value.isTag()) {
        const quint64 tag = tagOf(value);
        if (isTypedArrayTag(tag))
            return QStringLiteral("ndarray");
        switch (tag) {
        case QtPyVenv::Tag::Table: return QStringLiteral("table");
        case QtPyVenv::Tag::Image: return QStringLiteral("image");
        case QtPyVenv::Tag::FullDate: return QStringLiteral("date");
        case QtPyVenv::Tag::Time: return QStringLiteral("time");
        case quint64(QCborKnownTags::DateTimeString): return QStringLiteral("datetime");
        case quint64(QCborKnownTags::Decimal): return QStringLiteral("decimal");
        case quint64(QCborKnownTags::PositiveBignum):
        case quint64(QCborKnownTags::NegativeBignum): return QStringLiteral("bigint");
        }
        return QStringLiteral("tag %1").arg(tag);
    }
    switch (value.type()) {
    case QCborValue::Integer: return QStringLiteral("int");
    case QCborValue::Double: return QStringLiteral("float");
    case QCborValue::String: return QStringLiteral("string");
    case QCborValue::ByteArray: return QStringLiteral("bytes");
    case QCborValue::Array: return QStringLiteral("array");
    case QCborValue::Map: return QStringLiteral("object");
    case QCborValue::True:
    case QCborValue::False: return QStringLiteral("bool");
    case QCborValue::Null: return QStringLiteral("null");
    case QCborValue::Undefined: return QStringLiteral("undefined");
    default: break;
    }
    return QStringLiteral("value");
}

QString valueSummary(const QCborValue &value)
{
    if (value.isMap())
        return QStringLiteral("{%1}").arg(value.toMap().size());
    if (value.isArray())
        return QStringLiteral("[%1]").arg(value.toArray().size());
    if (value.isByteArray())
        return QStringLiteral("bytes[%1]").arg(value.toByteArray().size());
    const quint64 tag = tagOf(value);
    if (isTypedArrayTag(tag)) {
        const QtPyVenv::NdArray array = QtPyVenv::NdArray::fromCbor(value);
        if (array.isValid())
            return QStringLiteral("%1[%2]").arg(QtPyVenv::NdArray::dtypeName(array.dtype()), shapeText(array.shape()));
    } else if (tag == QtPyVenv::Tag::Table) {
        const QtPyVenv::Table table = QtPyVenv::Table::fromCbor(value);
        if (table.isValid())
            return QStringLiteral("table[%1]").arg(shapeText({table.rowCount(), table.columnCount()}));
    } else if (tag == QtPyVenv::Tag::Image) {
        const QtPyVenv::Image image = QtPyVenv::Image::fromCbor(value);
        if (image.isValid())
            return QStringLiteral("%1, %2").arg(image.mimeType(), sizeText(image.data().size()));
    }
    if (value.isDouble())
        return doubleText(value.toDouble());
    return jsonLine(value, MaxCellChars);
}

QString cellText(const QCborValue &value)
{
    switch (value.type()) {
    case QCborValue::Integer: return QString::number(value.toInteger());
    case QCborValue::Double: return doubleText(value.toDouble());
    case QCborValue::String: return elided(value.toString());
    case QCborValue::True: return QStringLiteral("true");
    case QCborValue::False: return QStringLiteral("false");
    case QCborValue::Null: return QStringLiteral("null");
    case QCborValue::Undefined: return QString();
    case QCborValue::DateTime: return value.toDateTime().toString(Qt::ISODateWithMs);
    default: break;
    }
    const quint64 tag = tagOf(value);
    if (tag == QtPyVenv::Tag::FullDate || tag == QtPyVenv::Tag::Time || tag == quint64(QCborKnownTags::DateTimeString))
        return value.taggedValue().toString();
    if (value.isByteArray() || value.isArray() || value.isMap() || isTypedArrayTag(tag) || tag == QtPyVenv::Tag::Table
        || tag == QtPyVenv::Tag::Image) {
        return value.isArray() || value.isMap() ? jsonLine(value, MaxCellChars) : valueSummary(value);
    }
    // Decimals and bignums: their exact decimal text, as the JSON projection writes it.
    const QJsonValue json = QtPyVenv::toJson(value);
    return json.isString() ? json.toString() : jsonLine(value, MaxCellChars);
}

ArrayStats arrayStats(const QtPyVenv::NdArray &array)
{
    ArrayStats stats;
    double sum = 0;
    switch (array.dtype()) {
    case QtPyVenv::DType::Bool: accumulate(array.values<bool>(), stats, sum); break;
    case QtPyVenv::DType::Int8: accumulate(array.values<std::int8_t>(), stats, sum); break;
    case QtPyVenv::DType::UInt8: accumulate(array.values<std::uint8_t>(), stats, sum); break;
    case QtPyVenv::DType::Int16: accumulate(array.values<std::int16_t>(), stats, sum); break;
    case QtPyVenv::DType::UInt16: accumulate(array.values<std::uint16_t>(), stats, sum); break;
    case QtPyVenv::DType::Int32: accumulate(array.values<std::int32_t>(), stats, sum); break;
    case QtPyVenv::DType::UInt32: accumulate(array.values<std::uint32_t>(), stats, sum); break;
    case QtPyVenv::DType::Int64: accumulate(array.values<std::int64_t>(), stats, sum); break;
    case QtPyVenv::DType::UInt64: accumulate(array.values<std::uint64_t>(), stats, sum); break;
    case QtPyVenv::DType::Float32: accumulate(array.values<float>(), stats, sum); break;
    case QtPyVenv::DType::Float64: accumulate(array.values<double>(), stats, sum); break;
    case QtPyVenv::DType::Float16: {
        std::vector<double> values(size_t(array.count()));
        for (qint64 i = 0; i < array.count(); ++i)
            values[size_t(i)] = array.valueAt(i);
        accumulate(std::span<const double>(values), stats, sum);
        break;
    }
    case QtPyVenv::DType::Invalid: break;
    }
    if (stats.count > 0)
        stats.mean = sum / double(stats.count);
    return stats;
}

} // namespace QtPyVenvApp
