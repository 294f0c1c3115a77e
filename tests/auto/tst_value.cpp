// SPDX-License-Identifier: MIT
// The value views (NdArray, Table, Image) and the JSON projections toJson() and toJsonText().
// Runs under ASan and UBSan: misaligned and non-0/1 bool data would be reported there.
#include <QtPyVenv/value.h>

#include <QElapsedTimer>
#include <QFloat16>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>
#include <QtEndian>

#include <cmath>
#include <cstring>
#include <limits>

using namespace QtPyVenv;

namespace {

QCborValue tagged(quint64 tag, const QCborValue &value)
{
    return QCborValue(QCborTag(tag), value);
}

template<typename T> QByteArray littleEndian(std::initializer_list<T> values)
{
    QByteArray bytes;
    for (const T value : values) {
        char raw[sizeof(T)];
        qToLittleEndian<T>(value, raw);
        bytes.append(raw, sizeof raw);
    }
    return bytes;
}

QByteArray reversedItems(const QByteArray &bytes, int itemSize)
{
    QByteArray out = bytes;
    for (qsizetype at = 0; at < out.size(); at += itemSize)
        std::reverse(out.begin() + at, out.begin() + at + itemSize);
    return out;
}

QCborValue ndarray(const QList<qint64> &shape, quint64 typedTag, const QByteArray &bytes)
{
    QCborArray dims;
    for (const qint64 n : shape)
        dims.append(n);
    return tagged(Tag::MultiDimArray, QCborArray{dims, tagged(typedTag, bytes)});
}

// 2**64 as a big-endian magnitude.
const QByteArray TwoTo64 = QByteArray::fromHex("010000000000000000");

bool isJsonInteger(const QJsonValue &value)
{
    return value.toVariant().typeId() == QMetaType::LongLong;
}

QCborValue deepArrays(int depth)
{
    QCborValue value = QCborArray();
    for (int level = 1; level < depth; ++level)
        value = QCborArray{value};
    return value;
}

} // namespace

class tst_Value : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void dtypeRoundTrip_data();
    void dtypeRoundTrip();
    void typedConstructors();
    void shapeValidation_data();
    void shapeValidation();
    void fromCborRefuses_data();
    void fromCborRefuses();
    void bareTypedArrays_data();
    void bareTypedArrays();
    void bigEndianTags_data();
    void bigEndianTags();
    void misalignedData();
    void float16();
    void boolNormalised();
    void elementAccess();
    void dtypeNames();

    void tableFromTag();
    void tableConstructor();
    void tableRefuses_data();
    void tableRefuses();
    void tableFromRecords();
    void tableFromColumns();
    void tableFromValueRefuses_data();
    void tableFromValueRefuses();
    void tableFromCborMillionRows();

    void image();

    void toJson_data();
    void toJson();
    void toJsonKeepsIntegersExact();
    void toJsonNaN();
    void toJsonTable();
    void toJsonMapKeys();
    void toJsonText_data();
    void toJsonText();
    void toJsonTextIndentAndOrder();
    void toJsonTextParsesBack();
    void deepValues();
};

void tst_Value::dtypeRoundTrip_data()
{
    QTest::addColumn<DType>("dtype");
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<quint64>("typedTag");
    QTest::addColumn<QCborValue>("last");
    QTest::addColumn<double>("lastAsDouble");

    QTest::newRow("bool") << DType::Bool << QByteArray::fromHex("000101000100") << Tag::BoolArray << QCborValue(false) << 0.0;
    QTest::newRow("int8") << DType::Int8 << littleEndian<qint8>({0, 127, -128, -1, 5, -7}) << quint64(72) << QCborValue(-7) << -7.0;
    QTest::newRow("uint8") << DType::UInt8 << littleEndian<quint8>({0, 1, 2, 128, 254, 255}) << quint64(64) << QCborValue(255) << 255.0;
    QTest::newRow("int16") << DType::Int16 << littleEndian<qint16>({0, 1, -1, 32767, 300, -32768}) << quint64(77) << QCborValue(-32768) << -32768.0;
    QTest::newRow("uint16") << DType::UInt16 << littleEndian<quint16>({0, 1, 2, 3, 4, 65535}) << quint64(69) << QCborValue(65535) << 65535.0;
    QTest::newRow("int32") << DType::Int32 << littleEndian<qint32>({0, 1, 2, 3, 4, std::numeric_limits<qint32>::min()})
                           << quint64(78) << QCborValue(std::numeric_limits<qint32>::min()) << double(std::numeric_limits<qint32>::min());
    QTest::newRow("uint32") << DType::UInt32 << littleEndian<quint32>({0, 1, 2, 3, 4, 4294967295u}) << quint64(70)
                            << QCborValue(qint64(4294967295)) << 4294967295.0;
    QTest::newRow("int64") << DType::Int64 << littleEndian<qint64>({0, 1, 2, 3, 4, std::numeric_limits<qint64>::min()})
                           << quint64(79) << QCborValue(std::numeric_limits<qint64>::min()) << -9223372036854775808.0;
    QTest::newRow("uint64 in int64") << DType::UInt64 << littleEndian<quint64>({0, 1, 2, 3, 4, 9223372036854775807u})
                                     << quint64(71) << QCborValue(std::numeric_limits<qint64>::max()) << 9223372036854775807.0;
    QTest::newRow("uint64 above int64") << DType::UInt64 << littleEndian<quint64>({0, 1, 2, 3, 4, 18446744073709551615u})
                                        << quint64(71) << QCborValue(18446744073709551615.0) << 18446744073709551615.0;
    QTest::newRow("float16") << DType::Float16 << littleEndian<quint16>({0x0000, 0x3c00, 0xc000, 0x7c00, 0x3555, 0x3800})
                             << quint64(84) << QCborValue(0.5) << 0.5;
    QTest::newRow("float32") << DType::Float32 << littleEndian<float>({0.f, 1.f, -2.5f, 1e30f, 0.1f, 3.25f})
                             << quint64(85) << QCborValue(3.25) << 3.25;
    QTest::newRow("float64") << DType::Float64 << littleEndian<double>({0., 1., -2.5, 1e300, 0.1, 1.0 / 3})
                             << quint64(86) << QCborValue(1.0 / 3) << 1.0 / 3;
}

void tst_Value::dtypeRoundTrip()
{
    QFETCH(DType, dtype);
    QFETCH(QByteArray, data);
    QFETCH(quint64, typedTag);
    QFETCH(QCborValue, last);
    QFETCH(double, lastAsDouble);

    const NdArray array(dtype, {2, 3}, data);
    QVERIFY(array.isValid());
    QCOMPARE(array.dtype(), dtype);
    QCOMPARE(array.shape(), (QList<qint64>{2, 3}));
    QCOMPARE(array.dimensions(), 2);
    QCOMPARE(array.count(), 6);
    QCOMPARE(array.itemSize(), int(data.size() / 6));
    QCOMPARE(array.data(), data);
    QCOMPARE(array.cborAt(5), last);
    QCOMPARE(array.valueAt(5), lastAsDouble);

    // Always tag 40 over the little-endian typed array.
    const QCborValue cbor = array.toCbor();
    QCOMPARE(cbor, ndarray({2, 3}, typedTag, data));
    // Through CBOR bytes too, as a value would travel.
    const NdArray back = NdArray::fromCbor(QCborValue::fromCbor(cbor.toCbor()));
    QVERIFY(back.isValid());
    QCOMPARE(back.dtype(), dtype);
    QCOMPARE(back.shape(), array.shape());
    QCOMPARE(back.data(), data);
    for (qint64 i = 0; i < 6; ++i)
        QCOMPARE(back.cborAt(i), array.cborAt(i));
}

void tst_Value::typedConstructors()
{
    const std::vector<double> samples{1.5, 2.5, 3.5, 4.5, 5.5, 6.5};
    const NdArray matrix(samples, {3, 2});
    QCOMPARE(matrix.dtype(), DType::Float64);
    QCOMPARE(matrix.shape(), (QList<qint64>{3, 2}));
    const std::span<const double> values = matrix.values<double>();
    QCOMPARE(std::vector<double>(values.begin(), values.end()), samples);
    QVERIFY(matrix.values<float>().empty());

    const NdArray list(QList<qint32>{7, 8, 9});
    QCOMPARE(list.dtype(), DType::Int32);
    QCOMPARE(list.shape(), QList<qint64>{3});
    QCOMPARE(list.values<qint32>()[2], 9);

    const std::array<bool, 3> flags{true, false, true};
    const NdArray fromSpan(std::span<const bool>(flags.data(), flags.size()));
    QCOMPARE(fromSpan.dtype(), DType::Bool);
    QCOMPARE(fromSpan.values<bool>()[0], true);
    QCOMPARE(fromSpan.values<bool>()[1], false);

    const NdArray empty(std::vector<quint16>{});
    QVERIFY(empty.isValid());
    QCOMPARE(empty.shape(), QList<qint64>{0});
    QVERIFY(empty.values<quint16>().empty());

    // A shape that does not fit the values.
    QVERIFY(!NdArray(samples, {4, 2}).isValid());

    const NdArray copy = matrix;
    QCOMPARE(copy.data(), matrix.data());
    NdArray assigned;
    QVERIFY(!assigned.isValid());
    assigned = matrix;
    QCOMPARE(assigned.shape(), matrix.shape());
}

void tst_Value::shapeValidation_data()
{
    QTest::addColumn<DType>("dtype");
    QTest::addColumn<QList<qint64>>("shape");
    QTest::addColumn<qsizetype>("bytes");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<qint64>("count");

    const qint64 huge = qint64(1) << 62;
    QTest::newRow("fits") << DType::Float64 << QList<qint64>{2, 3} << qsizetype(48) << true << qint64(6);
    QTest::newRow("too few bytes") << DType::Float64 << QList<qint64>{2, 3} << qsizetype(40) << false << qint64(0);
    QTest::newRow("too many bytes") << DType::Float64 << QList<qint64>{2, 3} << qsizetype(56) << false << qint64(0);
    QTest::newRow("partial element") << DType::Int32 << QList<qint64>{3} << qsizetype(13) << false << qint64(0);
    QTest::newRow("negative dimension") << DType::Int8 << QList<qint64>{-2, -3} << qsizetype(6) << false << qint64(0);
    QTest::newRow("negative beside zero") << DType::Int8 << QList<qint64>{0, -1} << qsizetype(0) << false << qint64(0);
    QTest::newRow("product overflows") << DType::Int8 << QList<qint64>{huge, 4} << qsizetype(0) << false << qint64(0);
    QTest::newRow("bytes overflow") << DType::Float64 << QList<qint64>{huge} << qsizetype(0) << false << qint64(0);
    QTest::newRow("zero beside huge") << DType::Float64 << QList<qint64>{huge, huge, 0} << qsizetype(0) << true << qint64(0);
    QTest::newRow("empty") << DType::UInt8 << QList<qint64>{0} << qsizetype(0) << true << qint64(0);
    QTest::newRow("0-d") << DType::Int64 << QList<qint64>{} << qsizetype(8) << true << qint64(1);
    QTest::newRow("64 dimensions") << DType::UInt8 << QList<qint64>(64, 1) << qsizetype(1) << true << qint64(1);
    QTest::newRow("65 dimensions") << DType::UInt8 << QList<qint64>(65, 1) << qsizetype(1) << false << qint64(0);
    QTest::newRow("invalid dtype") << DType::Invalid << QList<qint64>{1} << qsizetype(1) << false << qint64(0);
}

void tst_Value::shapeValidation()
{
    QFETCH(DType, dtype);
    QFETCH(QList<qint64>, shape);
    QFETCH(qsizetype, bytes);
    QFETCH(bool, valid);
    QFETCH(qint64, count);

    const NdArray array(dtype, shape, QByteArray(bytes, '\1'));
    QCOMPARE(array.isValid(), valid);
    QCOMPARE(array.count(), count);
    if (!valid) {
        QCOMPARE(array.dtype(), DType::Invalid);
        QVERIFY(array.shape().isEmpty());
        QVERIFY(array.data().isEmpty());
        QVERIFY(array.toCbor().isUndefined());
        QVERIFY(std::isnan(array.valueAt(0)));
        QVERIFY(array.cborAt(0).isUndefined());
        return;
    }
    QCOMPARE(array.shape(), shape);
    // What toCbor() writes, fromCbor() reads back alike.
    const NdArray back = NdArray::fromCbor(array.toCbor());
    QVERIFY(back.isValid());
    QCOMPARE(back.shape(), shape);
    QCOMPARE(back.count(), count);
}

void tst_Value::fromCborRefuses_data()
{
    QTest::addColumn<QCborValue>("value");

    const QByteArray eight(8, '\0');
    QTest::newRow("undefined") << QCborValue();
    QTest::newRow("byte string") << QCborValue(eight);
    QTest::newRow("array") << QCborValue(QCborArray{1, 2});
    QTest::newRow("other tag") << tagged(41, QCborArray{1, 2});
    QTest::newRow("40 on a map") << tagged(40, QCborMap{});
    QTest::newRow("40 on one item") << tagged(40, QCborArray{QCborArray{1}});
    QTest::newRow("40 on three items") << tagged(40, QCborArray{QCborArray{1}, tagged(86, eight), 1});
    QTest::newRow("shape not an array") << tagged(40, QCborArray{1, tagged(86, eight)});
    QTest::newRow("shape of doubles") << tagged(40, QCborArray{QCborArray{1.0}, tagged(86, eight)});
    QTest::newRow("shape of text") << tagged(40, QCborArray{QCborArray{QStringLiteral("1")}, tagged(86, eight)});
    QTest::newRow("negative shape") << ndarray({-1}, 86, eight);
    QTest::newRow("shape too big") << ndarray({2}, 86, eight);
    QTest::newRow("untagged data") << tagged(40, QCborArray{QCborArray{1}, eight});
    QTest::newRow("data in a list") << tagged(40, QCborArray{QCborArray{1}, tagged(86, QCborArray{1.0})});
    QTest::newRow("unknown typed tag") << ndarray({1}, 83, QByteArray(16, '\0'));
    QTest::newRow("reserved tag 76") << ndarray({1}, 76, QByteArray(1, '\0'));
    QTest::newRow("40 inside 40") << tagged(40, QCborArray{QCborArray{1}, ndarray({1}, 86, eight)});
    QTest::newRow("bare on text") << tagged(86, QStringLiteral("12345678"));
    QTest::newRow("bare partial element") << tagged(86, QByteArray(7, '\0'));
    QTest::newRow("bare float128") << tagged(87, QByteArray(16, '\0'));
    QTest::newRow("sixty-five dimensions") << ndarray(QList<qint64>(65, 1), 64, QByteArray(1, '\0'));
}

void tst_Value::fromCborRefuses()
{
    QFETCH(QCborValue, value);
    const NdArray array = NdArray::fromCbor(value);
    QVERIFY(!array.isValid());
    QCOMPARE(array.count(), 0);
}

void tst_Value::bareTypedArrays_data()
{
    QTest::addColumn<quint64>("tag");
    QTest::addColumn<DType>("dtype");
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<QCborValue>("second");

    QTest::newRow("64 uint8") << quint64(64) << DType::UInt8 << littleEndian<quint8>({1, 200, 3}) << QCborValue(200);
    QTest::newRow("68 uint8 clamped") << quint64(68) << DType::UInt8 << littleEndian<quint8>({1, 255, 3}) << QCborValue(255);
    QTest::newRow("69 uint16") << quint64(69) << DType::UInt16 << littleEndian<quint16>({1, 60000, 3}) << QCborValue(60000);
    QTest::newRow("70 uint32") << quint64(70) << DType::UInt32 << littleEndian<quint32>({1, 4000000000u, 3}) << QCborValue(qint64(4000000000));
    QTest::newRow("71 uint64") << quint64(71) << DType::UInt64 << littleEndian<quint64>({1, 1u << 31, 3}) << QCborValue(qint64(1) << 31);
    QTest::newRow("72 int8") << quint64(72) << DType::Int8 << littleEndian<qint8>({1, -100, 3}) << QCborValue(-100);
    QTest::newRow("77 int16") << quint64(77) << DType::Int16 << littleEndian<qint16>({1, -30000, 3}) << QCborValue(-30000);
    QTest::newRow("78 int32") << quint64(78) << DType::Int32 << littleEndian<qint32>({1, -2000000000, 3}) << QCborValue(-2000000000);
    QTest::newRow("79 int64") << quint64(79) << DType::Int64 << littleEndian<qint64>({1, -(qint64(1) << 60), 3}) << QCborValue(-(qint64(1) << 60));
    QTest::newRow("84 float16") << quint64(84) << DType::Float16 << littleEndian<quint16>({0x3c00, 0xbc00, 0}) << QCborValue(-1.0);
    QTest::newRow("85 float32") << quint64(85) << DType::Float32 << littleEndian<float>({1.f, -0.25f, 3.f}) << QCborValue(-0.25);
    QTest::newRow("86 float64") << quint64(86) << DType::Float64 << littleEndian<double>({1., -1e-300, 3.}) << QCborValue(-1e-300);
    QTest::newRow("bool") << Tag::BoolArray << DType::Bool << QByteArray::fromHex("000100") << QCborValue(true);
}

void tst_Value::bareTypedArrays()
{
    QFETCH(quint64, tag);
    QFETCH(DType, dtype);
    QFETCH(QByteArray, data);
    QFETCH(QCborValue, second);

    const NdArray array = NdArray::fromCbor(tagged(tag, data));
    QVERIFY(array.isValid());
    QCOMPARE(array.dtype(), dtype);
    QCOMPARE(array.shape(), QList<qint64>{3});
    QCOMPARE(array.data(), data);
    QCOMPARE(array.cborAt(1), second);
    QCOMPARE(array.toCbor().taggedValue().toArray().at(0), QCborValue(QCborArray{3}));
}

void tst_Value::bigEndianTags_data()
{
    QTest::addColumn<quint64>("tag");
    QTest::addColumn<DType>("dtype");
    QTest::addColumn<QByteArray>("littleEndianData");

    QTest::newRow("65 uint16be") << quint64(65) << DType::UInt16 << littleEndian<quint16>({1, 0x1234, 65535});
    QTest::newRow("66 uint32be") << quint64(66) << DType::UInt32 << littleEndian<quint32>({1, 0x12345678, 4294967295u});
    QTest::newRow("67 uint64be") << quint64(67) << DType::UInt64 << littleEndian<quint64>({1, 0x123456789abcdef0u, 2});
    QTest::newRow("73 int16be") << quint64(73) << DType::Int16 << littleEndian<qint16>({1, -2, 0x1234});
    QTest::newRow("74 int32be") << quint64(74) << DType::Int32 << littleEndian<qint32>({1, -2, 0x12345678});
    QTest::newRow("75 int64be") << quint64(75) << DType::Int64 << littleEndian<qint64>({1, -2, 0x123456789abcdef0});
    QTest::newRow("80 float16be") << quint64(80) << DType::Float16 << littleEndian<quint16>({0x3c00, 0xc000, 0x3555});
    QTest::newRow("81 float32be") << quint64(81) << DType::Float32 << littleEndian<float>({1.f, -2.5f, 1e-20f});
    QTest::newRow("82 float64be") << quint64(82) << DType::Float64 << littleEndian<double>({1., -2.5, 1e-300});
}

void tst_Value::bigEndianTags()
{
    QFETCH(quint64, tag);
    QFETCH(DType, dtype);
    QFETCH(QByteArray, littleEndianData);

    const QByteArray bigEndianData = reversedItems(littleEndianData, NdArray::itemSize(dtype));
    const NdArray bare = NdArray::fromCbor(tagged(tag, bigEndianData));
    QVERIFY(bare.isValid());
    QCOMPARE(bare.dtype(), dtype);
    QCOMPARE(bare.data(), littleEndianData);

    const NdArray shaped = NdArray::fromCbor(ndarray({3, 1}, tag, bigEndianData));
    QVERIFY(shaped.isValid());
    QCOMPARE(shaped.shape(), (QList<qint64>{3, 1}));
    QCOMPARE(shaped.data(), littleEndianData);
    const NdArray reference(dtype, {3}, littleEndianData);
    for (qint64 i = 0; i < 3; ++i)
        QCOMPARE(shaped.cborAt(i), reference.cborAt(i));
    // Written back little-endian.
    QCOMPARE(quint64(shaped.toCbor().taggedValue().toArray().at(1).tag()), quint64(tag + 4));
}

void tst_Value::misalignedData()
{
    const QByteArray bytes = littleEndian<double>({1.25, -2.5, 1e100, 0.125});
    // One byte in front makes every element start one byte off its alignment.
    const QByteArray storage = '\0' + bytes;
    QVERIFY(quintptr(storage.constData()) % alignof(double) == 0);
    const QByteArray raw = QByteArray::fromRawData(storage.constData() + 1, bytes.size());
    QVERIFY(quintptr(raw.constData()) % alignof(double) != 0);

    const NdArray array(DType::Float64, {2, 2}, raw);
    QVERIFY(array.isValid());
    QCOMPARE(array.data(), bytes);
    const std::span<const double> values = array.values<double>();
    QVERIFY(quintptr(values.data()) % alignof(double) == 0);
    QCOMPARE(values.size(), size_t(4));
    QCOMPARE(values[0], 1.25);
    QCOMPARE(values[2], 1e100);
    QCOMPARE(array.valueAt(3), 0.125);
    QCOMPARE(array.cborAt(1), QCborValue(-2.5));

    // Qt 6 drops leading bytes by moving the start: another way to a misaligned array.
    QByteArray shifted = '\0' + littleEndian<qint32>({-5, 6, 7});
    shifted.remove(0, 1);
    const NdArray ints(DType::Int32, {3}, shifted);
    QVERIFY(ints.isValid());
    QVERIFY(quintptr(ints.values<qint32>().data()) % alignof(qint32) == 0);
    QCOMPARE(ints.values<qint32>()[0], -5);
    QCOMPARE(ints.values<qint32>()[2], 7);

    // Copies share the aligned copy.
    const NdArray copy = array;
    QCOMPARE(copy.values<double>()[1], -2.5);
}

void tst_Value::float16()
{
    const QByteArray bits = littleEndian<quint16>({0x3c00, 0xc000, 0x7c00, 0xfc00, 0x7e00, 0x3555, 0x0001, 0x7bff, 0x8000});
    const NdArray array(DType::Float16, {9}, bits);
    QVERIFY(array.isValid());
    QCOMPARE(array.itemSize(), 2);
    QCOMPARE(array.valueAt(0), 1.0);
    QCOMPARE(array.valueAt(1), -2.0);
    QCOMPARE(array.valueAt(2), qInf());
    QCOMPARE(array.valueAt(3), -qInf());
    QVERIFY(std::isnan(array.valueAt(4)));
    QCOMPARE(array.valueAt(5), 0.333251953125);
    QCOMPARE(array.valueAt(6), std::ldexp(1.0, -24)); // the smallest subnormal
    QCOMPARE(array.valueAt(7), 65504.0);
    QVERIFY(std::signbit(array.valueAt(8)));
    QCOMPARE(array.cborAt(5), QCborValue(0.333251953125));
    QVERIFY(array.cborAt(5).isDouble());
    // No C++ element type is float16.
    QVERIFY(array.values<quint16>().empty());
    QCOMPARE(QtPyVenv::toJsonText(array.toCbor(), 0), QByteArray("[1,-2,null,null,null,0.333251953125,5.960464477539063e-08,65504,-0]"));
}

void tst_Value::boolNormalised()
{
    const NdArray array = NdArray::fromCbor(ndarray({2, 2}, Tag::BoolArray, QByteArray::fromHex("000102ff")));
    QVERIFY(array.isValid());
    QCOMPARE(array.dtype(), DType::Bool);
    QCOMPARE(array.data(), QByteArray::fromHex("00010101"));
    // Loading a bool from bytes other than 0 and 1 is what UBSan would catch here.
    const std::span<const bool> values = array.values<bool>();
    QCOMPARE(values[0], false);
    QCOMPARE(values[2], true);
    QCOMPARE(values[3], true);
    QCOMPARE(array.cborAt(3), QCborValue(true));
    QCOMPARE(array.valueAt(3), 1.0);
    QCOMPARE(QtPyVenv::toJson(array.toCbor()), QJsonValue(QJsonArray{QJsonArray{false, true}, QJsonArray{true, true}}));

    // The constructor normalises too.
    const NdArray direct(DType::Bool, {2}, QByteArray::fromHex("0780"));
    QCOMPARE(direct.data(), QByteArray::fromHex("0101"));
}

void tst_Value::elementAccess()
{
    const NdArray array(QList<qint64>{1, std::numeric_limits<qint64>::max(), (qint64(1) << 53) + 1});
    QCOMPARE(array.cborAt(1), QCborValue(std::numeric_limits<qint64>::max()));
    QCOMPARE(array.cborAt(2).toInteger(), (qint64(1) << 53) + 1);
    QVERIFY(array.cborAt(-1).isUndefined());
    QVERIFY(array.cborAt(3).isUndefined());
    QVERIFY(std::isnan(array.valueAt(-1)));
    QVERIFY(std::isnan(array.valueAt(3)));
    QCOMPARE(array.valueAt(0), 1.0);

    const NdArray unsignedArray(QList<quint64>{std::numeric_limits<quint64>::max(), quint64(1) << 63});
    QVERIFY(unsignedArray.cborAt(0).isDouble());
    QCOMPARE(unsignedArray.cborAt(0).toDouble(), 18446744073709551615.0);
    QCOMPARE(unsignedArray.cborAt(1).toDouble(), 9223372036854775808.0);

    const NdArray scalar(DType::Float32, {}, littleEndian<float>({2.5f}));
    QCOMPARE(scalar.dimensions(), 0);
    QCOMPARE(scalar.count(), 1);
    QCOMPARE(scalar.cborAt(0), QCborValue(2.5));
    QCOMPARE(QtPyVenv::toJson(scalar.toCbor()), QJsonValue(2.5));
}

void tst_Value::dtypeNames()
{
    const QList<std::tuple<DType, const char *, int>> expected{
        {DType::Bool, "bool", 1},       {DType::Int8, "int8", 1},       {DType::UInt8, "uint8", 1},
        {DType::Int16, "int16", 2},     {DType::UInt16, "uint16", 2},   {DType::Int32, "int32", 4},
        {DType::UInt32, "uint32", 4},   {DType::Int64, "int64", 8},     {DType::UInt64, "uint64", 8},
        {DType::Float16, "float16", 2}, {DType::Float32, "float32", 4}, {DType::Float64, "float64", 8},
        {DType::Invalid, "", 0},
    };
    for (const auto &[dtype, name, size] : expected) {
        QCOMPARE(NdArray::dtypeName(dtype), QString::fromLatin1(name));
        QCOMPARE(NdArray::itemSize(dtype), size);
    }
}

void tst_Value::tableFromTag()
{
    const QCborValue prices = NdArray(QList<double>{1.5, 2.5, 3.5}).toCbor();
    const QCborArray labels{QStringLiteral("a"), QCborValue(nullptr), QStringLiteral("c")};
    const QCborValue index = NdArray(QList<qint64>{10, 20, 30}).toCbor();
    const QCborValue value = tagged(Tag::Table, QCborMap{
        {QStringLiteral("names"), QCborArray{QStringLiteral("price"), QStringLiteral("label")}},
        {QStringLiteral("columns"), QCborArray{prices, labels}},
        {QStringLiteral("index"), index},
        {QStringLiteral("indexName"), QStringLiteral("id")},
    });

    const Table table = Table::fromCbor(value);
    QVERIFY(table.isValid());
    QCOMPARE(table.columnCount(), 2);
    QCOMPARE(table.rowCount(), 3);
    QCOMPARE(table.columnNames(), (QStringList{QStringLiteral("price"), QStringLiteral("label")}));
    QCOMPARE(table.cell(1, 0), QCborValue(2.5));
    QCOMPARE(table.cell(2, 1), QCborValue(QStringLiteral("c")));
    QVERIFY(table.cell(1, 1).isNull());
    QVERIFY(table.cell(3, 0).isUndefined());
    QVERIFY(table.cell(-1, 0).isUndefined());
    QVERIFY(table.cell(0, 2).isUndefined());
    QVERIFY(table.cell(0, -1).isUndefined());
    QCOMPARE(table.column(0), prices);
    QCOMPARE(table.column(1), QCborValue(labels));
    QVERIFY(table.column(2).isUndefined());
    QCOMPARE(table.numericColumn(0).values<double>()[2], 3.5);
    QVERIFY(!table.numericColumn(1).isValid());
    QVERIFY(!table.numericColumn(5).isValid());
    QVERIFY(table.hasIndex());
    QCOMPARE(table.indexName(), QStringLiteral("id"));
    QCOMPARE(table.indexColumn(), index);
    QCOMPARE(table.indexAt(2), QCborValue(30));
    QVERIFY(table.indexAt(3).isUndefined());

    QCOMPARE(table.toCbor(), value);
    QVERIFY(Table::fromValue(value).isValid());

    // Without the optional keys; a null index is no index.
    const Table plain = Table::fromCbor(tagged(Tag::Table, QCborMap{
        {QStringLiteral("names"), QCborArray{QStringLiteral("x")}},
        {QStringLiteral("columns"), QCborArray{QCborArray{1, 2}}},
        {QStringLiteral("index"), nullptr},
    }));
    QVERIFY(plain.isValid());
    QVERIFY(!plain.hasIndex());
    QVERIFY(plain.indexName().isEmpty());
    QVERIFY(plain.indexAt(0).isUndefined());
    QVERIFY(plain.indexColumn().isUndefined());
    QCOMPARE(plain.toCbor().taggedValue().toMap().keys(),
             (QList<QCborValue>{QStringLiteral("names"), QStringLiteral("columns")}));
}

void tst_Value::tableConstructor()
{
    const Table table({QStringLiteral("n"), QStringLiteral("s")},
                      {NdArray(QList<qint32>{1, 2}).toCbor(), QCborArray{QStringLiteral("x"), true}},
                      QCborArray{QStringLiteral("r1"), QStringLiteral("r2")});
    QVERIFY(table.isValid());
    QCOMPARE(table.rowCount(), 2);
    QCOMPARE(table.cell(1, 0), QCborValue(2));
    QCOMPARE(table.cell(1, 1), QCborValue(true));
    QCOMPARE(table.indexAt(1), QCborValue(QStringLiteral("r2")));

    const Table copy = table;
    QCOMPARE(copy.cell(0, 1), QCborValue(QStringLiteral("x")));
    Table assigned;
    QVERIFY(!assigned.isValid());
    QVERIFY(assigned.toCbor().isUndefined());
    QCOMPARE(assigned.rowCount(), 0);
    assigned = table;
    QCOMPARE(assigned.toCbor(), table.toCbor());

    // A DataFrame may have no columns; its rows are its index.
    const Table indexOnly({}, {}, QCborArray{1, 2, 3});
    QVERIFY(indexOnly.isValid());
    QCOMPARE(indexOnly.rowCount(), 3);
    QCOMPARE(indexOnly.columnCount(), 0);

    const Table bareTyped({QStringLiteral("v")}, {tagged(66, QByteArray::fromHex("0000000100000002"))});
    QVERIFY(bareTyped.isValid());
    QCOMPARE(bareTyped.cell(1, 0), QCborValue(2));
}

void tst_Value::tableRefuses_data()
{
    QTest::addColumn<QCborValue>("value");

    const QCborValue three = NdArray(QList<double>{1, 2, 3}).toCbor();
    const QCborValue two = NdArray(QList<double>{1, 2}).toCbor();
    const auto table = [](const QCborArray &names, const QCborArray &columns, const QCborValue &index = {}) {
        QCborMap map{{QStringLiteral("names"), names}, {QStringLiteral("columns"), columns}};
        if (!index.isUndefined())
            map.insert(QStringLiteral("index"), index);
        return tagged(Tag::Table, map);
    };
    const QString a = QStringLiteral("a");
    const QString b = QStringLiteral("b");
    QTest::newRow("untagged") << QCborValue(QCborMap{{QStringLiteral("names"), QCborArray{a}}, {QStringLiteral("columns"), QCborArray{three}}});
    QTest::newRow("other tag") << tagged(Tag::Image, QCborMap{});
    QTest::newRow("tag on an array") << tagged(Tag::Table, QCborArray{});
    QTest::newRow("no names") << tagged(Tag::Table, QCborMap{{QStringLiteral("columns"), QCborArray{three}}});
    QTest::newRow("no columns") << tagged(Tag::Table, QCborMap{{QStringLiteral("names"), QCborArray{a}}});
    QTest::newRow("more names") << table({a, b}, {three});
    QTest::newRow("more columns") << table({a}, {three, three});
    QTest::newRow("name not text") << table({1}, {three});
    QTest::newRow("typed lengths differ") << table({a, b}, {three, two});
    QTest::newRow("list lengths differ") << table({a, b}, {QCborArray{1, 2}, QCborArray{1}});
    QTest::newRow("typed and list differ") << table({a, b}, {three, QCborArray{1, 2}});
    QTest::newRow("column not a column") << table({a}, {5});
    QTest::newRow("column 2-D") << table({a}, {NdArray(QList<double>{1, 2}, {1, 2}).toCbor()});
    QTest::newRow("column broken ndarray") << table({a}, {ndarray({3}, 86, QByteArray(8, '\0'))});
    QTest::newRow("index length differs") << table({a}, {three}, QCborArray{1});
    QTest::newRow("index not a column") << table({a}, {three}, QStringLiteral("id"));
}

void tst_Value::tableRefuses()
{
    QFETCH(QCborValue, value);
    const Table table = Table::fromCbor(value);
    QVERIFY(!table.isValid());
    QCOMPARE(table.columnCount(), 0);
    QCOMPARE(table.rowCount(), 0);
    QVERIFY(table.cell(0, 0).isUndefined());
    QVERIFY(table.toCbor().isUndefined());

    // The constructor refuses the same columns.
    const QCborMap map = value.taggedValue().toMap();
    QStringList names;
    for (const QCborValue &name : map.value(QLatin1StringView("names")).toArray())
        names.append(name.toString());
    QList<QCborValue> columns;
    for (const QCborValue &column : map.value(QLatin1StringView("columns")).toArray())
        columns.append(column);
    const bool namesAreText = std::all_of(names.begin(), names.end(), [](const QString &name) { return !name.isEmpty(); });
    if (!names.isEmpty() && !columns.isEmpty() && namesAreText && value.isTag())
        QVERIFY(!Table(names, columns, map.value(QLatin1StringView("index"))).isValid());
}

void tst_Value::tableFromRecords()
{
    const QCborArray records{
        QCborMap{{QStringLiteral("name"), QStringLiteral("ada")}, {QStringLiteral("age"), 36}},
        QCborMap{{QStringLiteral("age"), 41}, {QStringLiteral("city"), QStringLiteral("Turin")}},
        QCborMap{{QStringLiteral("name"), QStringLiteral("alan")}, {1, true}},
        QCborMap{},
    };
    const Table table = Table::fromValue(records);
    QVERIFY(table.isValid());
    QCOMPARE(table.columnNames(),
             (QStringList{QStringLiteral("name"), QStringLiteral("age"), QStringLiteral("city"), QStringLiteral("1")}));
    QCOMPARE(table.rowCount(), 4);
    QCOMPARE(table.cell(0, 0), QCborValue(QStringLiteral("ada")));
    QVERIFY(table.cell(1, 0).isNull());
    QCOMPARE(table.cell(1, 1), QCborValue(41));
    QVERIFY(table.cell(0, 2).isNull());
    QCOMPARE(table.cell(1, 2), QCborValue(QStringLiteral("Turin")));
    QVERIFY(table.cell(2, 2).isNull());
    QCOMPARE(table.cell(2, 3), QCborValue(true));
    for (int column = 0; column < 4; ++column)
        QVERIFY(table.cell(3, column).isNull());
    QVERIFY(!table.hasIndex());
    QVERIFY(table.column(0).isArray());
}

void tst_Value::tableFromColumns()
{
    const QCborMap columns{
        {QStringLiteral("x"), NdArray(QList<float>{1.f, 2.f}).toCbor()},
        {QStringLiteral("label"), QCborArray{QStringLiteral("p"), QStringLiteral("q")}},
        {QStringLiteral("raw"), tagged(70, littleEndian<quint32>({7, 8}))},
    };
    const Table table = Table::fromValue(columns);
    QVERIFY(table.isValid());
    QCOMPARE(table.columnNames(), (QStringList{QStringLiteral("x"), QStringLiteral("label"), QStringLiteral("raw")}));
    QCOMPARE(table.rowCount(), 2);
    QCOMPARE(table.cell(1, 0), QCborValue(2.0));
    QCOMPARE(table.cell(0, 1), QCborValue(QStringLiteral("p")));
    QCOMPARE(table.cell(1, 2), QCborValue(8));
    QCOMPARE(table.numericColumn(2).dtype(), DType::UInt32);
}

void tst_Value::tableFromValueRefuses_data()
{
    QTest::addColumn<QCborValue>("value");
    QTest::newRow("scalar") << QCborValue(5);
    QTest::newRow("empty list") << QCborValue(QCborArray{});
    QTest::newRow("empty map") << QCborValue(QCborMap{});
    QTest::newRow("list of empty records") << QCborValue(QCborArray{QCborMap{}, QCborMap{}});
    QTest::newRow("list of numbers") << QCborValue(QCborArray{1, 2});
    QTest::newRow("record then number") << QCborValue(QCborArray{QCborMap{{QStringLiteral("a"), 1}}, 2});
    QTest::newRow("lengths differ") << QCborValue(QCborMap{{QStringLiteral("a"), QCborArray{1, 2}}, {QStringLiteral("b"), QCborArray{1}}});
    QTest::newRow("typed lengths differ") << QCborValue(QCborMap{{QStringLiteral("a"), NdArray(QList<double>{1, 2}).toCbor()},
                                                                 {QStringLiteral("b"), NdArray(QList<double>{1}).toCbor()}});
    QTest::newRow("scalar column") << QCborValue(QCborMap{{QStringLiteral("a"), QCborArray{1}}, {QStringLiteral("b"), 1}});
    QTest::newRow("2-D column") << QCborValue(QCborMap{{QStringLiteral("a"), NdArray(QList<double>{1, 2}, {2, 1}).toCbor()}});
    QTest::newRow("ndarray alone") << NdArray(QList<double>{1, 2}).toCbor();
}

void tst_Value::tableFromValueRefuses()
{
    QFETCH(QCborValue, value);
    QVERIFY(!Table::fromValue(value).isValid());
}

void tst_Value::tableFromCborMillionRows()
{
    constexpr qint64 Rows = 1000000;
    std::vector<double> values(Rows);
    for (qint64 i = 0; i < Rows; ++i)
        values[size_t(i)] = double(i) / 7;
    QCborArray names;
    QCborArray columns;
    for (int column = 0; column < 4; ++column) {
        names.append(QStringLiteral("c%1").arg(column));
        columns.append(NdArray(values).toCbor());
    }
    const QCborValue value = tagged(Tag::Table, QCborMap{{QStringLiteral("names"), names}, {QStringLiteral("columns"), columns}});

    QElapsedTimer timer;
    timer.start();
    const Table table = Table::fromCbor(value);
    const qint64 decodeMs = timer.elapsed();
    QVERIFY(table.isValid());
    QCOMPARE(table.rowCount(), Rows);
    timer.restart();
    double sum = 0;
    for (qint64 row = 0; row < Rows; ++row)
        sum += table.cell(row, 3).toDouble();
    const qint64 cellsMs = timer.elapsed();
    QCOMPARE(table.cell(Rows - 1, 2).toDouble(), double(Rows - 1) / 7);
    QVERIFY(sum > 0);
    // How fast is the benchmark's table_1m_rows_ms to say, not a timed test on a shared machine.
    qInfo("Table::fromCbor, 4 float64 columns x 1M rows: %lld ms; 1M cell() reads: %lld ms", decodeMs, cellsMs);
}

void tst_Value::image()
{
    const QByteArray png = QByteArray::fromHex("89504e470d0a1a0a");
    const Image image(png);
    QVERIFY(image.isValid());
    QCOMPARE(image.mimeType(), QStringLiteral("image/png"));
    const QCborValue cbor = image.toCbor();
    QCOMPARE(cbor, tagged(Tag::Image, QCborMap{{QStringLiteral("type"), QStringLiteral("image/png")}, {QStringLiteral("data"), png}}));
    const Image back = Image::fromCbor(cbor);
    QVERIFY(back.isValid());
    QCOMPARE(back.data(), png);
    QCOMPARE(back.mimeType(), QStringLiteral("image/png"));

    const Image jpeg = Image::fromCbor(Image(QByteArray("\xff\xd8"), QStringLiteral("image/jpeg")).toCbor());
    QCOMPARE(jpeg.mimeType(), QStringLiteral("image/jpeg"));

    QVERIFY(!Image().isValid());
    QVERIFY(Image().toCbor().isUndefined());
    QVERIFY(!Image(png, QString()).isValid());
    QVERIFY(!Image::fromCbor(QCborMap{{QStringLiteral("type"), QStringLiteral("image/png")}, {QStringLiteral("data"), png}}).isValid());
    QVERIFY(!Image::fromCbor(tagged(Tag::Image, QCborMap{{QStringLiteral("type"), QStringLiteral("image/png")}, {QStringLiteral("data"), QStringLiteral("text")}})).isValid());
    QVERIFY(!Image::fromCbor(tagged(Tag::Image, QCborMap{{QStringLiteral("type"), 1}, {QStringLiteral("data"), png}})).isValid());
    QVERIFY(!Image::fromCbor(tagged(Tag::Image, QCborMap{{QStringLiteral("data"), png}})).isValid());
    QVERIFY(!Image::fromCbor(tagged(Tag::Image, QCborArray{QStringLiteral("image/png"), png})).isValid());
    QVERIFY(!Image::fromCbor(tagged(Tag::Image, QCborMap{{QStringLiteral("type"), QStringLiteral("image/png")}, {QStringLiteral("data"), QByteArray()}})).isValid());
}

void tst_Value::toJson_data()
{
    QTest::addColumn<QCborValue>("value");
    QTest::addColumn<QJsonValue>("json");

    const auto decimal = [](qint64 exponent, const QCborValue &mantissa) {
        return tagged(quint64(QCborKnownTags::Decimal), QCborArray{exponent, mantissa});
    };
    const auto text = [](const char *latin1) { return QJsonValue(QString::fromLatin1(latin1)); };
    const QCborValue twoTo64 = tagged(2, TwoTo64);

    QTest::newRow("null") << QCborValue(nullptr) << QJsonValue();
    QTest::newRow("undefined") << QCborValue() << QJsonValue();
    QTest::newRow("simple") << QCborValue(QCborSimpleType(42)) << QJsonValue();
    QTest::newRow("true") << QCborValue(true) << QJsonValue(true);
    QTest::newRow("false") << QCborValue(false) << QJsonValue(false);
    QTest::newRow("integer") << QCborValue(-12) << QJsonValue(-12);
    QTest::newRow("double") << QCborValue(2.5) << QJsonValue(2.5);
    QTest::newRow("text") << QCborValue(QStringLiteral("h\u00e9")) << QJsonValue(QStringLiteral("h\u00e9"));
    QTest::newRow("bytes") << QCborValue(QByteArray("hello")) << text("aGVsbG8=");
    QTest::newRow("one byte padded") << QCborValue(QByteArray("a")) << text("YQ==");
    QTest::newRow("bytes with + and /") << QCborValue(QByteArray::fromHex("fbff")) << text("+/8=");
    QTest::newRow("empty bytes") << QCborValue(QByteArray()) << text("");

    QTest::newRow("2**64") << twoTo64 << text("18446744073709551616");
    QTest::newRow("-(2**64)-1") << tagged(3, TwoTo64) << text("-18446744073709551617");
    QTest::newRow("10**40") << tagged(2, QByteArray::fromHex("1d6329f1c35ca4bfabb9f5610000000000")) << text("10000000000000000000000000000000000000000");
    QTest::newRow("-(10**40)") << tagged(3, QByteArray::fromHex("1d6329f1c35ca4bfabb9f560ffffffffff")) << text("-10000000000000000000000000000000000000000");
    QTest::newRow("bignum leading zeros") << tagged(2, QByteArray::fromHex("0000000000ff")) << text("255");
    QTest::newRow("bignum carry into a new limb") << tagged(3, QByteArray::fromHex("ffffffff")) << text("-4294967296");
    QTest::newRow("bignum empty") << tagged(2, QByteArray()) << text("0");
    QTest::newRow("negative bignum empty") << tagged(3, QByteArray()) << text("-1");
    QTest::newRow("bignum of text") << tagged(2, QStringLiteral("12")) << text("12");

    QTest::newRow("decimal 12.50") << decimal(-2, 1250) << text("12.50");
    QTest::newRow("decimal 1.5E+30") << decimal(29, 15) << text("1.5E+30");
    QTest::newRow("decimal 5") << decimal(0, 5) << text("5");
    QTest::newRow("decimal 1.5E-7") << decimal(-8, 15) << text("1.5E-7");
    QTest::newRow("decimal 0.000001") << decimal(-6, 1) << text("0.000001");
    QTest::newRow("decimal 1E-7") << decimal(-7, 1) << text("1E-7");
    QTest::newRow("decimal -0.001") << decimal(-3, -1) << text("-0.001");
    QTest::newRow("decimal 0E+2") << decimal(2, 0) << text("0E+2");
    QTest::newRow("decimal 1E+1") << decimal(1, 1) << text("1E+1");
    QTest::newRow("decimal 0.00") << decimal(-2, 0) << text("0.00");
    QTest::newRow("decimal -12.3") << decimal(-1, -123) << text("-12.3");
    QTest::newRow("decimal 0.0000012345") << decimal(-10, 12345) << text("0.0000012345");
    QTest::newRow("decimal int64 min") << decimal(0, std::numeric_limits<qint64>::min()) << text("-9223372036854775808");
    QTest::newRow("decimal bignum mantissa") << decimal(-2, twoTo64) << text("184467440737095516.16");
    QTest::newRow("decimal negative bignum") << decimal(3, tagged(3, TwoTo64)) << text("-1.8446744073709551617E+22");
    QTest::newRow("decimal exponent overflows") << decimal(std::numeric_limits<qint64>::max(), 12)
                                                << QJsonValue(QJsonArray{std::numeric_limits<qint64>::max(), 12});
    QTest::newRow("decimal malformed") << tagged(4, QCborArray{1.5, 2}) << QJsonValue(QJsonArray{1.5, 2});

    QTest::newRow("datetime") << tagged(0, QStringLiteral("2024-05-01T12:30:00.250+02:00")) << text("2024-05-01T12:30:00.250+02:00");
    QTest::newRow("date") << tagged(Tag::FullDate, QStringLiteral("2024-05-01")) << text("2024-05-01");
    QTest::newRow("time") << tagged(Tag::Time, QStringLiteral("12:30:00.250000")) << text("12:30:00.250000");
    QTest::newRow("other tag") << tagged(12345, QCborArray{1, QStringLiteral("x")}) << QJsonValue(QJsonArray{1, QStringLiteral("x")});
    QTest::newRow("tag on a tag") << tagged(7, tagged(8, QByteArray("a"))) << text("YQ==");
    QTest::newRow("broken ndarray") << ndarray({2}, 86, littleEndian<double>({1.5})) << QJsonValue(QJsonArray{QJsonArray{2}, QJsonArray{1.5}});
    QTest::newRow("broken table") << tagged(Tag::Table, QCborMap{{QStringLiteral("names"), 1}}) << QJsonValue(QJsonObject{{QStringLiteral("names"), 1}});

    QTest::newRow("ndarray 2x3") << NdArray(QList<qint32>{1, 2, 3, 4, 5, 6}, {2, 3}).toCbor()
                                 << QJsonValue(QJsonArray{QJsonArray{1, 2, 3}, QJsonArray{4, 5, 6}});
    QTest::newRow("ndarray 3x1x2") << NdArray(QList<double>{1, 2, 3, 4, 5, 6.5}, {3, 1, 2}).toCbor()
                                   << QJsonValue(QJsonArray{QJsonArray{QJsonArray{1., 2.}}, QJsonArray{QJsonArray{3., 4.}}, QJsonArray{QJsonArray{5., 6.5}}});
    QTest::newRow("ndarray bool") << NdArray(DType::Bool, {3}, QByteArray::fromHex("010001")).toCbor() << QJsonValue(QJsonArray{true, false, true});
    QTest::newRow("ndarray 2x0") << NdArray(DType::Int8, {2, 0}, {}).toCbor() << QJsonValue(QJsonArray{QJsonArray{}, QJsonArray{}});
    QTest::newRow("ndarray 0x2") << NdArray(DType::Int8, {0, 2}, {}).toCbor() << QJsonValue(QJsonArray{});
    QTest::newRow("ndarray 0-d") << NdArray(DType::Int16, {}, littleEndian<qint16>({-3})).toCbor() << QJsonValue(-3);
    QTest::newRow("bare typed array") << tagged(72, littleEndian<qint8>({-1, 2})) << QJsonValue(QJsonArray{-1, 2});
    QTest::newRow("ndarray uint64 beyond int64") << NdArray(QList<quint64>{5, std::numeric_limits<quint64>::max()}).toCbor()
                                                 << QJsonValue(QJsonArray{5, 18446744073709551615.0});

    QTest::newRow("image") << Image(QByteArray("png!"), QStringLiteral("image/png")).toCbor()
                           << QJsonValue(QJsonObject{{QStringLiteral("type"), QStringLiteral("image/png")}, {QStringLiteral("data"), QStringLiteral("cG5nIQ==")}});
    QTest::newRow("nested") << QCborValue(QCborMap{{QStringLiteral("a"), QCborArray{1, QByteArray("a"), twoTo64}}})
                            << QJsonValue(QJsonObject{{QStringLiteral("a"), QJsonArray{1, QStringLiteral("YQ=="), QStringLiteral("18446744073709551616")}}});
}

void tst_Value::toJson()
{
    QFETCH(QCborValue, value);
    QFETCH(QJsonValue, json);
    QCOMPARE(QtPyVenv::toJson(value), json);
}

void tst_Value::toJsonKeepsIntegersExact()
{
    const qint64 big = (qint64(1) << 60) + 1;
    QVERIFY(isJsonInteger(QtPyVenv::toJson(big)));
    QCOMPARE(QtPyVenv::toJson(big).toInteger(), big);

    const QJsonArray values = QtPyVenv::toJson(NdArray(QList<qint64>{big, -big}).toCbor()).toArray();
    QVERIFY(isJsonInteger(values.at(0)));
    QCOMPARE(values.at(0).toInteger(), big);
    QCOMPARE(values.at(1).toInteger(), -big);

    const QJsonArray unsignedValues = QtPyVenv::toJson(NdArray(QList<quint64>{quint64(big), quint64(1) << 63}).toCbor()).toArray();
    QVERIFY(isJsonInteger(unsignedValues.at(0)));
    QCOMPARE(unsignedValues.at(0).toInteger(), big);
    QVERIFY(!isJsonInteger(unsignedValues.at(1)));
    QCOMPARE(unsignedValues.at(1).toDouble(), 9223372036854775808.0);
}

void tst_Value::toJsonNaN()
{
    const QJsonValue nan = QtPyVenv::toJson(qQNaN());
    QVERIFY(nan.isDouble());
    QVERIFY(std::isnan(nan.toDouble()));
    QCOMPARE(QtPyVenv::toJson(-qInf()), QJsonValue(-qInf()));

    const QJsonArray column = QtPyVenv::toJson(NdArray(QList<double>{qQNaN(), qInf()}).toCbor()).toArray();
    QVERIFY(column.at(0).isDouble());
    QVERIFY(std::isnan(column.at(0).toDouble()));
    QCOMPARE(column.at(1).toDouble(), qInf());
}

void tst_Value::toJsonTable()
{
    const QCborValue index = QCborArray{QStringLiteral("r1"), QStringLiteral("r2")};
    const Table table({QStringLiteral("price"), QStringLiteral("label")},
                      {NdArray(QList<double>{1.5, 2.5}).toCbor(), QCborArray{QStringLiteral("a"), QByteArray("b")}}, index);
    QCOMPARE(QtPyVenv::toJson(table.toCbor()),
             QJsonValue(QJsonObject{{QStringLiteral("price"), QJsonArray{1.5, 2.5}},
                                    {QStringLiteral("label"), QJsonArray{QStringLiteral("a"), QStringLiteral("Yg==")}},
                                    {QStringLiteral("index"), QJsonArray{QStringLiteral("r1"), QStringLiteral("r2")}}}));
    QCOMPARE(QtPyVenv::toJsonText(table.toCbor(), 0), QByteArray(R"({"price":[1.5,2.5],"label":["a","Yg=="],"index":["r1","r2"]})"));

    // A column named "index" wins over the index.
    const Table named({QStringLiteral("index")}, {QCborArray{1, 2}}, index);
    QCOMPARE(QtPyVenv::toJson(named.toCbor()), QJsonValue(QJsonObject{{QStringLiteral("index"), QJsonArray{1, 2}}}));

    const Table noIndex({QStringLiteral("x")}, {QCborArray{true}});
    QCOMPARE(QtPyVenv::toJson(noIndex.toCbor()), QJsonValue(QJsonObject{{QStringLiteral("x"), QJsonArray{true}}}));
}

void tst_Value::toJsonMapKeys()
{
    const QCborMap map{
        {QStringLiteral("text"), 1},
        {-7, 2},
        {true, 3},
        {nullptr, 4},
        {1.5, 5},
        {QByteArray("a"), 6},
        {tagged(2, TwoTo64), 7},
        {QCborArray{1, QStringLiteral("x")}, 8},
    };
    const QJsonObject expected{
        {QStringLiteral("text"), 1},
        {QStringLiteral("-7"), 2},
        {QStringLiteral("true"), 3},
        {QStringLiteral("null"), 4},
        {QStringLiteral("1.5"), 5},
        {QStringLiteral("YQ=="), 6},
        {QStringLiteral("18446744073709551616"), 7},
        {QStringLiteral("[1,\"x\"]"), 8},
    };
    QCOMPARE(QtPyVenv::toJson(map), QJsonValue(expected));
    QCOMPARE(QtPyVenv::toJsonText(map, 0),
             QByteArray("{\"text\":1,\"-7\":2,\"true\":3,\"null\":4,\"1.5\":5,\"YQ==\":6,\"18446744073709551616\":7,\"[1,\\\"x\\\"]\":8}"));
}

void tst_Value::toJsonText_data()
{
    QTest::addColumn<QCborValue>("value");
    QTest::addColumn<QByteArray>("compact");

    QTest::newRow("null") << QCborValue(nullptr) << QByteArray("null");
    QTest::newRow("undefined") << QCborValue() << QByteArray("null");
    QTest::newRow("simple") << QCborValue(QCborSimpleType(42)) << QByteArray("null");
    QTest::newRow("true") << QCborValue(true) << QByteArray("true");
    QTest::newRow("integer") << QCborValue(std::numeric_limits<qint64>::min()) << QByteArray("-9223372036854775808");
    QTest::newRow("double") << QCborValue(0.1) << QByteArray("0.1");
    QTest::newRow("integral double") << QCborValue(2.0) << QByteArray("2");
    QTest::newRow("negative zero") << QCborValue(-0.0) << QByteArray("-0");
    QTest::newRow("large double") << QCborValue(1e300) << QByteArray("1e+300");
    QTest::newRow("NaN") << QCborValue(qQNaN()) << QByteArray("null");
    QTest::newRow("infinity") << QCborValue(qInf()) << QByteArray("null");
    QTest::newRow("-infinity") << QCborValue(-qInf()) << QByteArray("null");
    QTest::newRow("escapes") << QCborValue(QStringLiteral("q\"b\\n\nt\tc\x01\x1f\u00e9\u20ac/"))
                             << QByteArray("\"q\\\"b\\\\n\\nt\\tc\\u0001\\u001f\xc3\xa9\xe2\x82\xac/\"");
    QTest::newRow("control escapes") << QCborValue(QStringLiteral("\b\f\r")) << QByteArray("\"\\b\\f\\r\"");
    QTest::newRow("bytes") << QCborValue(QByteArray("hello")) << QByteArray("\"aGVsbG8=\"");
    QTest::newRow("bignum") << tagged(3, TwoTo64) << QByteArray("\"-18446744073709551617\"");
    QTest::newRow("decimal") << tagged(4, QCborArray{-2, 1250}) << QByteArray("\"12.50\"");
    QTest::newRow("date") << tagged(Tag::FullDate, QStringLiteral("2024-05-01")) << QByteArray("\"2024-05-01\"");
    QTest::newRow("empty array") << QCborValue(QCborArray{}) << QByteArray("[]");
    QTest::newRow("empty map") << QCborValue(QCborMap{}) << QByteArray("{}");
    QTest::newRow("ndarray 2x3") << NdArray(QList<qint16>{1, 2, 3, 4, 5, 6}, {2, 3}).toCbor() << QByteArray("[[1,2,3],[4,5,6]]");
    QTest::newRow("ndarray NaN") << NdArray(QList<double>{qQNaN(), 0.5}).toCbor() << QByteArray("[null,0.5]");
    QTest::newRow("ndarray bool") << NdArray(DType::Bool, {2}, QByteArray::fromHex("0100")).toCbor() << QByteArray("[true,false]");
    QTest::newRow("ndarray 2x0") << NdArray(DType::Int8, {2, 0}, {}).toCbor() << QByteArray("[[],[]]");
    QTest::newRow("ndarray uint64") << NdArray(QList<quint64>{std::numeric_limits<quint64>::max()}).toCbor()
                                    << QByteArray("[18446744073709552000]");
    QTest::newRow("image") << Image(QByteArray("png!"), QStringLiteral("image/png")).toCbor()
                           << QByteArray(R"({"type":"image/png","data":"cG5nIQ=="})");
    QTest::newRow("other tag") << tagged(99, QCborMap{{QStringLiteral("z"), 1}, {QStringLiteral("a"), 2}})
                               << QByteArray(R"({"z":1,"a":2})");
}

void tst_Value::toJsonText()
{
    QFETCH(QCborValue, value);
    QFETCH(QByteArray, compact);
    QCOMPARE(QtPyVenv::toJsonText(value, 0), compact);
    // Scalars read the same in every layout.
    if (!compact.startsWith('[') && !compact.startsWith('{'))
        QCOMPARE(QtPyVenv::toJsonText(value), compact);
}

void tst_Value::toJsonTextIndentAndOrder()
{
    const QCborMap value{
        {QStringLiteral("zeta"), 1},
        {QStringLiteral("alpha"), QCborArray{1, 2.5, true, nullptr}},
        {QStringLiteral("empty"), QCborMap{}},
        {QStringLiteral("matrix"), NdArray(QList<qint8>{1, 2, 3, 4}, {2, 2}).toCbor()},
        {QStringLiteral("inner"), QCborMap{{QStringLiteral("b"), QCborArray{}}, {QStringLiteral("a"), QStringLiteral("x")}}},
    };
    QCOMPARE(QtPyVenv::toJsonText(value, 0),
             QByteArray(R"({"zeta":1,"alpha":[1,2.5,true,null],"empty":{},"matrix":[[1,2],[3,4]],"inner":{"b":[],"a":"x"}})"));
    // Outside the macros: moc's preprocessor does not follow a raw string over lines inside one.
    const QByteArray pretty = R"({
  "zeta": 1,
  "alpha": [
    1,
    2.5,
    true,
    null
  ],
  "empty": {},
  "matrix": [
    [
      1,
      2
    ],
    [
      3,
      4
    ]
  ],
  "inner": {
    "b": [],
    "a": "x"
  }
})";
    QCOMPARE(QtPyVenv::toJsonText(value), pretty);
    const QByteArray fourSpaces = R"([
    {
        "k": 1
    }
])";
    QCOMPARE(QtPyVenv::toJsonText(QCborArray{QCborMap{{QStringLiteral("k"), 1}}}, 4), fourSpaces);
    QCOMPARE(QtPyVenv::toJsonText(value, -1), QtPyVenv::toJsonText(value, 0));
}

void tst_Value::toJsonTextParsesBack()
{
    const QCborMap value{
        {QStringLiteral("s"), QStringLiteral("tab\there \"quoted\" \u00e9\U0001F600")},
        {QStringLiteral("n"), QCborArray{0.1, -0.0, 1e-300, std::numeric_limits<qint64>::max()}},
        {QStringLiteral("t"), Table({QStringLiteral("c")}, {NdArray(QList<float>{0.5f}).toCbor()}).toCbor()},
    };
    for (const int indent : {0, 2, 3}) {
        QJsonParseError error;
        const QJsonDocument document = QJsonDocument::fromJson(QtPyVenv::toJsonText(value, indent), &error);
        QCOMPARE(error.error, QJsonParseError::NoError);
        QCOMPARE(QJsonValue(document.object()), QtPyVenv::toJson(value));
    }
}

void tst_Value::deepValues()
{
    // As deep as producers may go: kept whole.
    const QCborValue limit = deepArrays(MaxValueDepth);
    QCOMPARE(QtPyVenv::toJsonText(limit, 0), QByteArray(MaxValueDepth, '[') + QByteArray(MaxValueDepth, ']'));
    QJsonValue json = QtPyVenv::toJson(limit);
    for (int level = 1; level < MaxValueDepth; ++level)
        json = json.toArray().at(0);
    QCOMPARE(json, QJsonValue(QJsonArray{}));

    // One deeper: the innermost becomes null.
    const QCborValue beyond = deepArrays(MaxValueDepth + 1);
    QCOMPARE(QtPyVenv::toJsonText(beyond, 0), QByteArray(MaxValueDepth, '[') + "null" + QByteArray(MaxValueDepth, ']'));
    json = QtPyVenv::toJson(beyond);
    for (int level = 1; level < MaxValueDepth; ++level)
        json = json.toArray().at(0);
    QCOMPARE(json, QJsonValue(QJsonArray{QJsonValue()}));

    // Far deeper than that, in arrays, maps, tags and keys: no crash, the same cut.
    constexpr int Deep = 100000;
    const QCborValue arrays = deepArrays(Deep);
    QCOMPARE(QtPyVenv::toJsonText(arrays, 0), QtPyVenv::toJsonText(beyond, 0));
    QCOMPARE(QtPyVenv::toJsonText(arrays, 1).count('\n'), 2 * MaxValueDepth);
    QCOMPARE(QtPyVenv::toJson(arrays), QtPyVenv::toJson(beyond));

    QCborValue maps = QCborMap();
    QCborValue tags = QStringLiteral("bottom");
    QCborValue keys = 1;
    for (int level = 1; level < Deep; ++level) {
        maps = QCborMap{{QStringLiteral("k"), maps}};
        tags = tagged(1000 + quint64(level % 7), tags);
        keys = QCborMap{{keys, 1}};
    }
    QCOMPARE(QtPyVenv::toJsonText(maps, 0).count('{'), MaxValueDepth);
    QVERIFY(QtPyVenv::toJson(maps).isObject());
    QCOMPARE(QtPyVenv::toJsonText(tags, 0), QByteArray("\"bottom\""));
    QCOMPARE(QtPyVenv::toJson(tags), QJsonValue(QStringLiteral("bottom")));
    // A map key inside a key's text would escape its quotes once more per level: cut to null.
    QCOMPARE(QtPyVenv::toJsonText(keys, 0), QByteArray("{\"{\\\"null\\\":1}\":1}"));
    QCOMPARE(QtPyVenv::toJson(keys), QJsonValue(QJsonObject{{QStringLiteral(R"({"null":1})"), 1}}));
}

QTEST_GUILESS_MAIN(tst_Value)
#include "tst_value.moc"
