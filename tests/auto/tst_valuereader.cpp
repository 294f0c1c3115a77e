// SPDX-License-Identifier: MIT
// The wire's JSON dialect: what the reader makes of the worker's text, and values written by the
// host's encoder read back unchanged.
#include "bignum.h"
#include "directreader.h"
#include "framedecoder.h"
#include "jsonwriter.h"
#include "returnedcall.h"
#include "valuereader.h"

#include <QtPyVenv/value.h>

#include <QCborArray>
#include <QCborMap>
#include <QElapsedTimer>
#include <QTest>

#include <cmath>
#include <limits>

using QtPyVenv::Internal::DirectReader;
using QtPyVenv::Internal::FrameParts;
using QtPyVenv::Internal::ValueReader;

namespace {

QCborValue read(const QByteArray &json, QString *error = nullptr)
{
    ValueReader reader;
    const QCborValue value = reader.read(json);
    if (error)
        *error = reader.error();
    return value;
}

QCborValue bignum(bool negative, const QByteArray &magnitudeHex)
{
    return QCborValue(QCborTag(negative ? 3 : 2), QByteArray::fromHex(magnitudeHex));
}

// Writes a value the way call() does and reads it back the way a reply is read.
QCborValue roundTrip(const QCborValue &value)
{
    QByteArray json;
    FrameParts parts;
    QString error;
    if (!QtPyVenv::Internal::appendValue(json, value, &parts, &error)) {
        qWarning() << "not encoded:" << error;
        return QCborValue(QCborValue::Invalid);
    }
    QList<QByteArrayView> views;
    for (const QByteArray &blob : std::as_const(parts.blobs))
        views.append(blob);
    ValueReader reader;
    const QCborValue back = reader.read(json, parts.tagged ? &views : nullptr);
    if (!reader.error().isEmpty())
        qWarning() << "not read:" << reader.error() << json.left(300);
    return back;
}

// What a reader makes of \a json with the direct path and without it must be the same: value,
// CBOR bytes (key order included), error and depth note. Each reader reads the text twice, so
// that what it keeps between texts is used too.
void compareWithCborPath(const QByteArray &json, const QList<QByteArrayView> *parts = nullptr)
{
    ValueReader direct;
    ValueReader cbor;
    cbor.setDirectPath(false);
    for (int round = 0; round < 2; ++round) {
        const QCborValue fast = direct.read(json, parts);
        const QCborValue slow = cbor.read(json, parts);
        QCOMPARE(direct.error(), cbor.error());
        QCOMPARE(direct.tooDeep(), cbor.tooDeep());
        QCOMPARE(fast.type(), slow.type());
        QCOMPARE(fast.toCbor(), slow.toCbor());
        if (!(slow.isDouble() && std::isnan(slow.toDouble())))
            QCOMPARE(fast, slow);
    }
}

QByteArray mapOfSize(int size)
{
    QByteArray json = "{";
    for (int i = 0; i < size; ++i)
        json += (i ? ",\"k" : "\"k") + QByteArray::number(i) + "\":" + QByteArray::number(i);
    return json + '}';
}

QByteArray nested(int depth)
{
    return QByteArray(depth, '[') + "1" + QByteArray(depth, ']');
}

QByteArray nestedMaps(int depth)
{
    return QByteArray("{\"a\":").repeated(depth) + "1" + QByteArray(depth, '}');
}

} // namespace

class tst_ValueReader : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void scalars_data();
    void scalars();
    void keyOrderIsKept();
    void strings();
    void bigIntegersAreExact();
    void bignumArithmetic();
    void tagObjectsOnlyInTaggedFrames();
    void malformedText_data();
    void malformedText();
    void tooDeepIsCutOffNotFailed();
    void roundTrips_data();
    void roundTrips();
    void doublesStayDoubles();
    void reservedKeyIsRefusedWhenTagged();
    void encoderDepthLimit();
    void bigMapIsLinear();
    void directPathMatchesCborPath_data();
    void directPathMatchesCborPath();
    void taggedFramesTakeTheCborPath();
    void returnedCall_data();
    void returnedCall();
};

void tst_ValueReader::scalars_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QCborValue>("expected");
    QTest::newRow("null") << QByteArray("null") << QCborValue(nullptr);
    QTest::newRow("true") << QByteArray(" true ") << QCborValue(true);
    QTest::newRow("false") << QByteArray("false") << QCborValue(false);
    QTest::newRow("zero") << QByteArray("0") << QCborValue(0);
    QTest::newRow("negative") << QByteArray("-42") << QCborValue(-42);
    QTest::newRow("int64 max") << QByteArray("9223372036854775807") << QCborValue(std::numeric_limits<qint64>::max());
    QTest::newRow("int64 min") << QByteArray("-9223372036854775808") << QCborValue(std::numeric_limits<qint64>::min());
    QTest::newRow("double") << QByteArray("2.5") << QCborValue(2.5);
    QTest::newRow("exponent") << QByteArray("-1.5e-300") << QCborValue(-1.5e-300);
    QTest::newRow("whole double") << QByteArray("3.0") << QCborValue(3.0);
    QTest::newRow("infinity") << QByteArray("Infinity") << QCborValue(std::numeric_limits<double>::infinity());
    QTest::newRow("-infinity") << QByteArray("-Infinity") << QCborValue(-std::numeric_limits<double>::infinity());
    QTest::newRow("string") << QByteArray(R"("a\"b\\c\n\u00e9\ud83d\udc0d")")
                            << QCborValue(QString::fromUtf8("a\"b\\c\n\xc3\xa9\xf0\x9f\x90\x8d"));
    QTest::newRow("raw utf-8") << QByteArray("\"\xc3\xa9\"") << QCborValue(QString::fromUtf8("\xc3\xa9"));
}

void tst_ValueReader::scalars()
{
    QFETCH(QByteArray, json);
    QFETCH(QCborValue, expected);
    QString error;
    const QCborValue value = read(json, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(value, expected);
    QCOMPARE(value.type(), expected.type());
}

void tst_ValueReader::keyOrderIsKept()
{
    const QCborMap map = read(R"({"x": 1, "square": 1, "label": "one", "25%": [], "count": {}})").toMap();
    QStringList keys;
    for (auto it = map.constBegin(); it != map.constEnd(); ++it)
        keys.append(it.key().toString());
    QCOMPARE(keys.join(QLatin1Char(',')), QStringLiteral("x,square,label,25%,count"));
    QVERIFY(std::isnan(read("NaN").toDouble()));
}

void tst_ValueReader::strings()
{
    // Plain runs around the 16-byte steps, with an escape at every position.
    for (int length = 0; length < 40; ++length) {
        for (int at = 0; at <= length; ++at) {
            QByteArray text(length, 'a');
            text.insert(at, "\\n");
            QByteArray expected(length, 'a');
            expected.insert(at, '\n');
            QCOMPARE(read('"' + text + '"').toString().toUtf8(), expected);
        }
    }
    QCOMPARE(read(R"("\ud800x")").toString(), QString(QChar(0xfffd)) + QLatin1Char('x')); // lone surrogate
    const QByteArray big(5 * 1024 * 1024, 'z');
    QCOMPARE(read('"' + big + '"').toString().size(), big.size());
}

void tst_ValueReader::bigIntegersAreExact()
{
    QCOMPARE(read("9223372036854775808"), bignum(false, "8000000000000000"));
    QCOMPARE(read("18446744073709551616"), bignum(false, "010000000000000000")); // 2**64
    QCOMPARE(read("-9223372036854775809"), bignum(true, "8000000000000000"));      // tag 3: -1 - n
    QCOMPARE(read("-18446744073709551617"), bignum(true, "010000000000000000"));
    const QByteArray googol = "1" + QByteArray(100, '0');
    const QCborValue value = read(googol);
    QCOMPARE(quint64(value.tag()), quint64(2));
    QCOMPARE(QtPyVenv::Internal::decimalFromMagnitude(value.taggedValue().toByteArray()), googol);
}

void tst_ValueReader::bignumArithmetic()
{
    using namespace QtPyVenv::Internal;
    QCOMPARE(decimalFromMagnitude({}), QByteArray("0"));
    QCOMPARE(decimalFromMagnitude(QByteArray::fromHex("ffffffffffffffff")), QByteArray("18446744073709551615"));
    QCOMPARE(magnitudeFromDecimal("1000000000"), QByteArray::fromHex("3b9aca00"));
    QCOMPARE(magnitudeFromDecimal("0"), QByteArray());
    QCOMPARE(addToMagnitude(QByteArray::fromHex("ffff"), 1), QByteArray::fromHex("010000"));
    QCOMPARE(decrementMagnitude(QByteArray::fromHex("010000")), QByteArray::fromHex("ffff"));
    const QByteArray digits = "123456789012345678901234567890123456789012345678901234567890";
    QCOMPARE(decimalFromMagnitude(magnitudeFromDecimal(digits)), digits);
}

void tst_ValueReader::tagObjectsOnlyInTaggedFrames()
{
    const QByteArray json = R"([{"\u0000": 1}, {"\u0000": [86, {"\u0000": 0}]}])";
    const QByteArray first = "abc", second("\x00\x01", 2);
    const QList<QByteArrayView> parts{first, second};
    ValueReader tagged;
    const QCborArray value = tagged.read(json, &parts).toArray();
    QVERIFY2(tagged.error().isEmpty(), qPrintable(tagged.error()));
    QCOMPARE(value.at(0), QCborValue(second));
    QCOMPARE(value.at(1), QCborValue(QCborTag(86), first));

    const QCborArray untagged = read(json).toArray();
    QCOMPARE(untagged.at(0).toMap().value(QString(QChar(0))), QCborValue(1));

    ValueReader missing;
    missing.read(R"({"\u0000": 5})", &parts);
    QVERIFY(missing.error().contains(QStringLiteral("part")));
    ValueReader malformed; // a tag object holds an index or [tag, value]
    malformed.read(R"({"\u0000": "plain"})", &parts);
    QVERIFY(!malformed.error().isEmpty());
    ValueReader extraKey;
    extraKey.read(R"({"\u0000": 0, "x": 1})", &parts);
    QVERIFY(!extraKey.error().isEmpty());
}

void tst_ValueReader::malformedText_data()
{
    QTest::addColumn<QByteArray>("json");
    for (const char *bad : {"", "hello", "{", "[1,", "[1 2]", "{\"a\" 1}", "{1: 2}", "\"open", "01", "1.", "1e",
                            "-", "nul", "\"\\x\"", "\"\\u12\"", "[1]]", "\"a\nb\"", "+1", "-NaN"})
        QTest::newRow(bad) << QByteArray(bad);
}

void tst_ValueReader::malformedText()
{
    QFETCH(QByteArray, json);
    QString error;
    QVERIFY(read(json, &error).isUndefined());
    QVERIFY(!error.isEmpty());
}

void tst_ValueReader::tooDeepIsCutOffNotFailed()
{
    const int depth = 100000;
    const QByteArray deep = QByteArray(depth, '[') + QByteArray(depth, ']');
    ValueReader reader;
    QElapsedTimer timer;
    timer.start();
    const QCborMap frame = reader.read(R"({"callID": 7, "result": )" + deep + "}").toMap();
    QVERIFY(timer.elapsed() < 5000);
    QVERIFY2(reader.error().isEmpty(), qPrintable(reader.error()));
    QVERIFY(reader.tooDeep().contains(QStringLiteral("512")));
    QCOMPARE(frame.value(QStringLiteral("callID")), QCborValue(7));

    ValueReader fits;
    const QByteArray limit = QByteArray(QtPyVenv::MaxValueDepth, '[') + QByteArray(QtPyVenv::MaxValueDepth, ']');
    fits.read(limit);
    QVERIFY(fits.tooDeep().isEmpty());
    QString error;
    QVERIFY(QtPyVenv::fromJsonText(deep, &error).isUndefined());
    QVERIFY(error.contains(QStringLiteral("deeper")));
}

void tst_ValueReader::roundTrips_data()
{
    QTest::addColumn<QCborValue>("value");
    QTest::newRow("null") << QCborValue(nullptr);
    QTest::newRow("int") << QCborValue(-7);
    QTest::newRow("int64 min") << QCborValue(std::numeric_limits<qint64>::min());
    QTest::newRow("text") << QCborValue(QStringLiteral("t\u00e9xt\n\"q\""));
    QTest::newRow("bytes") << QCborValue(QByteArray("\x00\xff\x10 bytes", 10));
    QTest::newRow("empty bytes") << QCborValue(QByteArray());
    QTest::newRow("bignum") << bignum(false, "0123456789abcdef0123456789");
    QTest::newRow("negative bignum") << bignum(true, "0123456789abcdef0123456789");
    QTest::newRow("typed array") << QCborValue(QCborTag(40), QCborArray{QCborArray{2, 1}, QCborValue(QCborTag(86),
                                                                               QByteArray(16, '\x01'))});
    QTest::newRow("unknown tag") << QCborValue(QCborTag(12345), QCborArray{1, QStringLiteral("x")});
    QTest::newRow("ordered map") << QCborValue(QCborMap{{QStringLiteral("z"), 1}, {QStringLiteral("a"), QCborArray{}},
                                                        {QStringLiteral("m"), QCborMap{}}});
    QTest::newRow("nested") << QCborValue(QCborArray{QCborMap{{QStringLiteral("k"), QByteArray("v")}},
                                                     QCborArray{QCborArray{}}, 2.5, true});
}

void tst_ValueReader::roundTrips()
{
    QFETCH(QCborValue, value);
    QCOMPARE(roundTrip(value), value);
}

void tst_ValueReader::doublesStayDoubles()
{
    for (double number : {3.0, -0.5, 1e300, 1e-300, 0.1, 123456789.0}) {
        const QCborValue back = roundTrip(number);
        QVERIFY(back.isDouble());
        QCOMPARE(back.toDouble(), number);
    }
    QVERIFY(std::isnan(roundTrip(std::nan("")).toDouble()));
    QCOMPARE(roundTrip(-std::numeric_limits<double>::infinity()).toDouble(), -std::numeric_limits<double>::infinity());
    QByteArray json;
    FrameParts parts;
    QString error;
    QVERIFY(QtPyVenv::Internal::appendValue(json, QCborArray{3.0, 3}, &parts, &error));
    QCOMPARE(json, QByteArray("[3.0,3]"));
}

void tst_ValueReader::reservedKeyIsRefusedWhenTagged()
{
    const QCborMap nulKey{{QString(QChar(0)), 1}};
    QByteArray json;
    FrameParts parts;
    QString error;
    QVERIFY(QtPyVenv::Internal::appendValue(json, nulKey, &parts, &error)); // an ordinary key here
    QVERIFY(!parts.tagged);
    json.clear();
    QVERIFY(!QtPyVenv::Internal::appendValue(json, QCborArray{nulKey, QByteArray("b")}, &parts, &error));
    QVERIFY(error.contains(QStringLiteral("reserves")));
}

void tst_ValueReader::encoderDepthLimit()
{
    QCborValue value(1);
    for (int i = 0; i < 100000; ++i)
        value = QCborArray{value};
    QByteArray json;
    FrameParts parts;
    QString error;
    QVERIFY(!QtPyVenv::Internal::appendValue(json, value, &parts, &error));
    QVERIFY(error.contains(QStringLiteral("512")));
    QCborValue fits(1);
    for (int i = 0; i < QtPyVenv::MaxValueDepth; ++i)
        fits = QCborValue(QCborTag(99), fits);
    json.clear();
    QVERIFY(QtPyVenv::Internal::appendValue(json, fits, &parts, &error));
}

void tst_ValueReader::bigMapIsLinear()
{
    // QCborMap::insert is linear in the size of the map; the reader must not build maps with it.
    QByteArray json = "{";
    const int size = 200000;
    for (int i = 0; i < size; ++i)
        json += (i ? ",\"k" : "\"k") + QByteArray::number(i) + "\":" + QByteArray::number(i);
    json += '}';
    QElapsedTimer timer;
    timer.start();
    const QCborMap map = read(json).toMap();
    QCOMPARE(map.size(), size);
    QCOMPARE((map.constBegin() + (size - 1)).key().toString(), QStringLiteral("k%1").arg(size - 1));
    QVERIFY2(timer.elapsed() < 5000, qPrintable(QString::number(timer.elapsed())));
}

void tst_ValueReader::directPathMatchesCborPath_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<bool>("direct"); // whether DirectReader builds it rather than giving up
    auto row = [](const char *name, const QByteArray &json, bool direct) { QTest::newRow(name) << json << direct; };
    row("null", "null", true);
    row("true", " true\n", true);
    row("false", "false", true);
    row("zero", "0", true);
    row("minus zero", "-0", true);
    row("int64 max", "9223372036854775807", true);
    row("int64 min", "-9223372036854775808", true);
    row("double", "2.5", true);
    row("minus zero double", "-0.0", true);
    row("whole double", "3.0", true);
    row("exponent", "-1.5E-300", true);
    row("NaN", "NaN", true);
    row("Infinity", "Infinity", true);
    row("-Infinity", "[-Infinity]", true);
    row("empty string", R"("")", true);
    row("plain string", R"("hello world, a little longer than sixteen bytes")", true);
    row("escapes", R"("a\"b\\c\/d\b\f\n\r\t")", true);
    row("non-ascii escape", R"("caf\u00e9")", true);
    row("surrogate pair", R"("\ud83d\udc0d")", true);
    row("lone surrogate", R"("\ud800x")", true);
    row("nul escape", R"("a\u0000b")", true);
    row("nul key untagged", R"({"\u0000": 1})", true);
    row("escaped keys", R"({"caf\u00e9": 1, "tab\t": 2, "plain": 3})", true);
    row("reply", R"({"type":"call_done","callID":1,"ok":true,"result":{"text":"hello world","n":42}})", true);
    row("key order", R"({"z": 1, "a": [], "m": {}, "b": null})", true);
    row("nested", R"( [ {"k" : [1, 2.5, "x", {"d": {}}]} , [[]], true ] )", true);
    row("long array", "[" + QByteArray("0.5,").repeated(1000) + "1]", true);
    row("largest map", mapOfSize(int(DirectReader::MaxMapSize)), true);
    row("deepest", nested(DirectReader::MaxDepth), true);
    row("deepest maps", nestedMaps(DirectReader::MaxDepth), true);

    row("map too big", mapOfSize(int(DirectReader::MaxMapSize) + 1), false);
    row("map too big inside", "[1, " + mapOfSize(100) + "]", false);
    row("duplicate key", R"({"a": 1, "b": 2, "a": 3})", false);
    row("duplicate escaped key", R"({"\u0061": 1, "a": 2})", false);
    row("too deep for direct", nested(DirectReader::MaxDepth + 1), false);
    row("maps too deep for direct", nestedMaps(DirectReader::MaxDepth + 1), false);
    row("maps too deep", nestedMaps(100000), false);
    row("too deep", R"({"callID": 7, "result": )" + nested(QtPyVenv::MaxValueDepth + 1) + "}", false);
    row("bignum", "[18446744073709551616]", false);
    row("negative bignum", "-9223372036854775809", false);
    row("double out of range", "1e400", false);
    row("raw utf-8", "\"caf\xc3\xa9\"", false);
    row("invalid utf-8", "\"\xff\"", false);
    row("raw utf-8 key", "{\"\xc3\xa9\": 1}", false);
    row("trailing text", "{} x", false);
    row("two values", "1 2", false);
    row("extra bracket", "[1]]", false);
    row("empty text", "", false);
    row("unterminated", R"({"a": [1, 2)", false);
    row("missing colon", R"({"a" 1})", false);
    row("bad escape", R"("\x")", false);
    row("short unicode escape", R"("\u12")", false);
    row("leading zero", "01", false);
    row("bare minus", "-", false);
    row("-NaN", "-NaN", false);
    row("control character", "\"a\nb\"", false);
    row("truncated literal", "[nul]", false);
}

void tst_ValueReader::directPathMatchesCborPath()
{
    QFETCH(QByteArray, json);
    QFETCH(bool, direct);
    DirectReader reader;
    QCborValue value;
    QCOMPARE(reader.read(json, &value), direct);
    compareWithCborPath(json);
}

void tst_ValueReader::taggedFramesTakeTheCborPath()
{
    const QByteArray first = "abc";
    const QList<QByteArrayView> parts{first};
    compareWithCborPath(R"({"type": "output", "data": {"\u0000": 0}})", &parts);
    compareWithCborPath(R"([{"\u0000": [86, {"\u0000": 0}]}, 1, "x"])", &parts);
    compareWithCborPath(R"({"a": 1})", &parts);
}

void tst_ValueReader::returnedCall_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<bool>("tagged");
    QTest::addColumn<bool>("recognized");
    const QByteArray head = R"({"type":"call_done","callID":)";
    auto row = [](const char *name, const QByteArray &json, bool recognized, bool tagged = false) {
        QTest::newRow(name) << json << tagged << recognized;
    };
    row("reply", head + R"(7,"ok":true,"result":{"text":"hello world","n":42}})", true);
    row("id 0", head + R"(0,"ok":true,"result":null})", true);
    row("18 digits", head + R"(999999999999999999,"ok":true,"result":[]})", true);
    row("result the CBOR path reads", head + R"(3,"ok":true,"result":)" + mapOfSize(40) + "}", true);
    row("deepest result", head + R"(3,"ok":true,"result":)" + nested(QtPyVenv::MaxValueDepth - 1) + "}", true);
    row("result too deep", head + R"(3,"ok":true,"result":)" + nested(QtPyVenv::MaxValueDepth) + "}", true);

    row("19 digits", head + R"(1000000000000000000,"ok":true,"result":1})", false);
    row("leading zero", head + R"(07,"ok":true,"result":1})", false);
    row("negative id", head + R"(-1,"ok":true,"result":1})", false);
    row("no id", head + R"("ok":true,"result":1})", false);
    row("spaced", R"({"type": "call_done", "callID": 7, "ok": true, "result": 1})", false);
    row("failed", head + R"(7,"ok":false,"errorType":"E","errorMessage":"m","traceback":""})", false);
    row("key after the result", head + R"(7,"ok":true,"result":1,"x":2})", false);
    row("space after the envelope", head + R"(7,"ok":true,"result":1} )", false);
    row("unreadable result", head + R"(7,"ok":true,"result":[1,})", false);
    row("tagged", head + R"(7,"ok":true,"result":1})", false, true);
    row("other frame", R"({"type":"partial","callID":7,"value":1})", false);
}

// A reply recognized by its bytes must be what the general path makes of the whole frame: ID,
// result (to its CBOR bytes) and depth note.
void tst_ValueReader::returnedCall()
{
    QFETCH(QByteArray, json);
    QFETCH(bool, tagged);
    QFETCH(bool, recognized);
    QtPyVenv::Internal::Frame frame{json, {}, tagged};
    ValueReader fast;
    QtPyVenv::Internal::ReturnedCall call;
    QCOMPARE(QtPyVenv::Internal::readReturnedCall(fast, frame, &call), recognized);
    if (!recognized)
        return;
    ValueReader general;
    const QCborMap whole = general.read(json).toMap();
    QCOMPARE(QCborValue(qint64(call.id)), whole.value(QLatin1String("callID")));
    QCOMPARE(call.result.toCbor(), whole.value(QLatin1String("result")).toCbor());
    QCOMPARE(call.tooDeep, general.tooDeep());
    QCOMPARE(call.tooDeep.isEmpty(), !QByteArray(QTest::currentDataTag()).contains("too deep"));
}

QTEST_GUILESS_MAIN(tst_ValueReader)
#include "tst_valuereader.moc"
