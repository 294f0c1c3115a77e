// SPDX-License-Identifier: MIT
// The frame encoder: every character class at every position of the vectorised scan, checked
// by parsing the output back with Qt.
#include "jsonwriter.h"

#include <QtPyVenv/value.h>

#include <QElapsedTimer>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using QtPyVenv::Internal::appendJson;

namespace {

QByteArray encode(const QJsonValue &value)
{
    QByteArray out;
    QString error;
    if (!appendJson(out, value, &error))
        qWarning() << "not encoded:" << error;
    return out;
}

// Qt parses only arrays and objects at the top level.
QJsonValue decode(const QByteArray &json)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson('[' + json + ']', &error);
    if (error.error != QJsonParseError::NoError)
        qWarning() << "not JSON:" << error.errorString() << json.left(200);
    return document.array().first();
}

} // namespace

class tst_JsonWriter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void escapesAtEveryPosition_data();
    void escapesAtEveryPosition();
    void exactEscapes();
    void loneSurrogatesBecomeReplacementCharacters();
    void bigPlainString();
    void nestedValues();
    void depthIsCheckedWithoutRecursion();
};

void tst_JsonWriter::escapesAtEveryPosition_data()
{
    QTest::addColumn<QString>("special");
    QTest::newRow("quote") << QStringLiteral("\"");
    QTest::newRow("backslash") << QStringLiteral("\\");
    QTest::newRow("newline") << QStringLiteral("\n");
    QTest::newRow("tab") << QStringLiteral("\t");
    QTest::newRow("nul") << QString(QChar(0));
    QTest::newRow("unit separator") << QString(QChar(0x1f));
    QTest::newRow("delete") << QString(QChar(0x7f));
    QTest::newRow("latin-1") << QString(QChar(0xe9));
    QTest::newRow("two-byte top") << QString(QChar(0x7ff));
    QTest::newRow("euro") << QString(QChar(0x20ac));
    QTest::newRow("last BMP") << QString(QChar(0xfffd));
    QTest::newRow("surrogate pair") << QString::fromUtf8("\xf0\x9f\x90\x8d"); // U+1F40D
}

void tst_JsonWriter::escapesAtEveryPosition()
{
    QFETCH(QString, special);
    // Lengths around the 8-unit steps, the special unit at every offset, also twice in a row.
    for (int length = 0; length <= 26; ++length) {
        for (int at = 0; at <= length; ++at) {
            for (int repeat = 1; repeat <= 2; ++repeat) {
                QString text(length, QLatin1Char('a'));
                for (int i = 0; i < length; ++i)
                    text[i] = QLatin1Char(char('a' + i % 26));
                text.insert(at, special.repeated(repeat));
                const QByteArray json = encode(text);
                QVERIFY2(decode(json) == QJsonValue(text), json.constData());
            }
        }
    }
}

void tst_JsonWriter::exactEscapes()
{
    QCOMPARE(encode(QStringLiteral("a\"b\\c\nd\re\tf\bg\fh")), QByteArray(R"("a\"b\\c\nd\re\tf\bg\fh")"));
    QCOMPARE(encode(QString(QChar(1)) + QChar(0x1f) + QChar(0x7f)), QByteArray("\"\\u0001\\u001f\x7f\""));
    QCOMPARE(encode(QString::fromUtf8("\xc3\xa9\xe2\x82\xac\xf0\x9f\x90\x8d")),
             QByteArray("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x90\x8d\""));
    QCOMPARE(encode(QString()), QByteArray("\"\""));
}

void tst_JsonWriter::loneSurrogatesBecomeReplacementCharacters()
{
    const QByteArray replacement = "\xef\xbf\xbd";
    const QChar high(0xd83d);
    const QChar low(0xdc0d);
    QCOMPARE(encode(QString(high)), '"' + replacement + '"');
    QCOMPARE(encode(QString(low) + QLatin1Char('x')), '"' + replacement + "x\"");
    QCOMPARE(encode(QString(high) + QLatin1Char('x') + low), '"' + replacement + 'x' + replacement + '"');
    QCOMPARE(encode(QString(high) + high + low), '"' + replacement + "\xf0\x9f\x90\x8d\"");
}

void tst_JsonWriter::bigPlainString()
{
    QString text(3 * 1024 * 1024 + 5, QLatin1Char('x'));
    text[1024 * 1024] = QLatin1Char('"');
    text[text.size() - 1] = QChar(0xe9);
    const QByteArray json = encode(text);
    QCOMPARE(json.size(), text.size() + 2 + 1 + 1); // quotes, one backslash, one two-byte unit
    QCOMPARE(decode(json), QJsonValue(text));
}

void tst_JsonWriter::nestedValues()
{
    const QJsonObject value{{QStringLiteral("list"), QJsonArray{1, -2.5, true, QJsonValue(), QStringLiteral("s")}},
                            {QStringLiteral("k\u00e9y"), QJsonObject{{QStringLiteral("n"), qint64(1) << 60}}},
                            {QString(), QJsonArray{}}};
    QCOMPARE(decode(encode(value)), QJsonValue(value));
    QCOMPARE(encode(QJsonArray{1, QStringLiteral("x")}), QByteArray(R"([1,"x"])"));
}

void tst_JsonWriter::depthIsCheckedWithoutRecursion()
{
    auto nested = [](int depth) {
        QJsonArray value{1};
        for (int i = 1; i < depth; ++i)
            value = QJsonArray{value};
        return value;
    };
    QByteArray out;
    QString error;
    QVERIFY(appendJson(out, nested(QtPyVenv::MaxValueDepth), &error));
    QCOMPARE(out, QByteArray(QtPyVenv::MaxValueDepth, '[') + '1' + QByteArray(QtPyVenv::MaxValueDepth, ']'));
    // 100,000 levels overflowed the stack of the recursive encoder; now they are refused, quickly.
    QElapsedTimer timer;
    timer.start();
    out.clear();
    QVERIFY(!appendJson(out, nested(100000), &error));
    QVERIFY2(error.contains(QStringLiteral("512")), qPrintable(error));
    QVERIFY(timer.elapsed() < 5000);
    QJsonObject object;
    for (int i = 0; i <= QtPyVenv::MaxValueDepth; ++i)
        object = QJsonObject{{QStringLiteral("k"), object}};
    QVERIFY(!appendJson(out, object, &error));
}

QTEST_GUILESS_MAIN(tst_JsonWriter)
#include "tst_jsonwriter.moc"
