// SPDX-License-Identifier: MIT
// Rich values end to end, with no third-party package: what Python returns arrives as the value
// value.h promises, what C++ sends arrives in Python as the natural type, and the JSON API sees
// the projection of the same results.
#include "testutil.h"

#include <QtPyVenv/value.h>

#include <QCborArray>
#include <QCborMap>
#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>

#include <cmath>
#include <limits>

using namespace QtPyVenv;
using namespace std::chrono_literals;

namespace {

const QString Sources = QStringLiteral(R"PY(
import array, datetime, decimal
import qtpyvenv

def ordered():
    return {"x": 2, "square": 4, "label": "two", "25%": 1.5, "count": 3}

def specials():
    return [float("nan"), float("inf"), -float("inf"), 3.0, -0.0]

def big_ints():
    return [2**63 - 1, 2**63, 2**64, -2**64 - 1, 10**400]

def plus_one(n):
    return n + 1

def type_of(value):
    return type(value).__name__

def reverse_bytes(data):
    assert isinstance(data, bytes), type(data)
    return data[::-1]

def byte_kinds():
    return [bytearray(b"ba"), memoryview(b"mv"), b""]

def dates():
    return [datetime.datetime(2024, 5, 1, 12, 30, 0, 250000),
            datetime.date(2024, 5, 1),
            datetime.time(12, 30, 5),
            datetime.datetime(2024, 5, 1, 12, 30, tzinfo=datetime.timezone.utc)]

def iso(value):
    return [type(value).__name__, value.isoformat()]

def money():
    return [decimal.Decimal("12.50"), decimal.Decimal("-1.5E+30")]

def scaled(x, factor=2, *, offset=0):
    """x * factor + offset."""
    return x * factor + offset

def collect(*args, **kwargs):
    return {"args": list(args), "kwargs": kwargs}

def takes_dict(args):
    return sorted(args)

def arange(n):
    return array.array("d", range(n))

def grid(rows, cols):
    return memoryview(array.array("i", range(rows * cols))).cast("B").cast("i", [rows, cols])

def array_info(a):
    return {"type": type(a).__name__, "format": a.format, "shape": list(a.shape), "values": a.tolist()}

def columns_info(table):
    return {name: [type(column).__name__, column.tolist() if isinstance(column, memoryview) else column]
            for name, column in table.items()}

def containers():
    return [(1, 2), {3}, frozenset()]

def bad_result():
    return {"rows": [{}, {}, {}, {"when": object()}]}

def deep(levels):
    value = []
    for _ in range(levels):
        value = [value]
    return value

def picture():
    return qtpyvenv.Image(b"\x89PNG\r\n\x1a\nnot really", "image/png")

class Point:
    def __init__(self, x, y):
        self.x, self.y = x, y

qtpyvenv.register(Point, lambda p: {"x": p.x, "y": p.y})

def point():
    return [Point(1, 2)]

def echo(value):
    return value
)PY");

QString describe(const Error &error)
{
    return error.toString() + QLatin1Char('\n') + error.traceback;
}

QCborValue bignum(const QByteArray &hex, bool negative = false)
{
    return QCborValue(QCborTag(negative ? 3 : 2), QByteArray::fromHex(hex));
}

} // namespace

class tst_Values : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void keyOrderIsKept();
    void nanAndInfinities();
    void bigIntegersAreExact();
    void byteStrings();
    void datesAndTimes();
    void decimals();
    void keywordArguments();
    void oldOneValueFormUnchanged();
    void typedArraysWithoutNumpy();
    void tablesAsDictsOfColumns();
    void containersBecomeArrays();
    void imagesAndRegisteredConverters();
    void parametersAreDescribed();
    void deliveryIsExactlyOnceAcrossApis();
    void invokeAsyncDeliversTheValue();
    void unconvertibleResultNamesItsPath();
    void tooDeepArgumentsAreRefusedUpFront();
    void tooDeepOrHugeResultsFailOnlyTheirCall();
    void oversizedArgumentsAreRefusedUpFront();

private:
    QCborValue invoke(const QString &function, const Arguments &arguments = {});

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Venv> m_venv;
};

void tst_Values::initTestCase()
{
    m_dir = std::make_unique<QTemporaryDir>();
    Config config = TestUtil::config(m_dir->path(), {Sources});
    config.maxWorkers = 2;
    m_venv = std::make_unique<Venv>(config);
    const Error error = m_venv->start();
    QVERIFY2(error.ok(), qPrintable(describe(error)));
}

void tst_Values::cleanupTestCase()
{
    m_venv.reset();
    QVERIFY(TestUtil::liveChildren().isEmpty());
}

QCborValue tst_Values::invoke(const QString &function, const Arguments &arguments)
{
    QCborValue result;
    const Error error = m_venv->invokeAndAwait(function, arguments, &result, QDeadlineTimer(60s));
    if (!error.ok())
        qWarning().noquote() << function << describe(error);
    return result;
}

void tst_Values::keyOrderIsKept()
{
    QCOMPARE(TestUtil::mapKeys(invoke(QStringLiteral("ordered")).toMap()).join(QLatin1Char(' ')),
             QStringLiteral("x square label 25% count"));
    // Arguments keep theirs too: Python sees the keys in the order C++ inserted them.
    const QCborMap map{{QStringLiteral("z"), 1}, {QStringLiteral("a"), 2}, {QStringLiteral("m"), 3}};
    QCOMPARE(TestUtil::mapKeys(invoke(QStringLiteral("echo"), {{map}}).toMap()).join(QLatin1Char(' ')), QStringLiteral("z a m"));
    // The JSON API gets the same result, with Qt's order.
    QJsonValue json;
    QVERIFY(m_venv->callAndAwait(QStringLiteral("ordered"), {}, &json).ok());
    QCOMPARE(json.toObject().value(QStringLiteral("label")).toString(), QStringLiteral("two"));
}

void tst_Values::nanAndInfinities()
{
    const QCborArray values = invoke(QStringLiteral("specials")).toArray();
    QCOMPARE(values.size(), 5);
    QVERIFY(std::isnan(values.at(0).toDouble()));
    QCOMPARE(values.at(1).toDouble(), std::numeric_limits<double>::infinity());
    QCOMPARE(values.at(2).toDouble(), -std::numeric_limits<double>::infinity());
    QVERIFY(values.at(3).isDouble()); // 3.0 stays a float
    QVERIFY(std::signbit(values.at(4).toDouble()));
    const QCborArray back =
        invoke(QStringLiteral("echo"), {{QCborArray{std::nan(""), -std::numeric_limits<double>::infinity(), 2.0}}})
            .toArray();
    QVERIFY(std::isnan(back.at(0).toDouble()));
    QCOMPARE(back.at(1).toDouble(), -std::numeric_limits<double>::infinity());
    QCOMPARE(invoke(QStringLiteral("type_of"), {{2.0}}).toString(), QStringLiteral("float"));
    QCOMPARE(invoke(QStringLiteral("type_of"), {{2}}).toString(), QStringLiteral("int"));
}

void tst_Values::bigIntegersAreExact()
{
    const QCborArray values = invoke(QStringLiteral("big_ints")).toArray();
    QCOMPARE(values.at(0), QCborValue(std::numeric_limits<qint64>::max()));
    QCOMPARE(values.at(1), bignum("8000000000000000"));
    QCOMPARE(values.at(2), bignum("010000000000000000"));
    QCOMPARE(values.at(3), bignum("010000000000000000", true)); // tag 3 holds -1 - n
    QCOMPARE(quint64(values.at(4).tag()), quint64(2));
    // Back into Python as an int, exactly.
    QCOMPARE(invoke(QStringLiteral("plus_one"), {{bignum("010000000000000000")}}), bignum("010000000000000001"));
    // The JSON projection carries them as decimal text rather than rounding them.
    QJsonValue json;
    QVERIFY(m_venv->callAndAwait(QStringLiteral("big_ints"), {}, &json).ok());
    QCOMPARE(json.toArray().at(2).toString(), QStringLiteral("18446744073709551616"));
    QCOMPARE(json.toArray().at(4).toString(), QStringLiteral("1") + QString(400, QLatin1Char('0')));
}

void tst_Values::byteStrings()
{
    const QByteArray data("\x00\x01\xfe\xff payload", 12);
    QByteArray reversed = data;
    std::reverse(reversed.begin(), reversed.end());
    QCOMPARE(invoke(QStringLiteral("reverse_bytes"), {{data}}), QCborValue(reversed));
    const QCborArray kinds = invoke(QStringLiteral("byte_kinds")).toArray();
    QCOMPARE(kinds, (QCborArray{QByteArray("ba"), QByteArray("mv"), QByteArray()}));
    // 32 MiB travel as raw bytes, not as text.
    const QByteArray big(32 * 1024 * 1024, '\x5a');
    QCOMPARE(invoke(QStringLiteral("echo"), {{big}}).toByteArray(), big);
    QJsonValue json;
    QVERIFY(m_venv->callAndAwait(QStringLiteral("byte_kinds"), {}, &json).ok());
    QCOMPARE(json.toArray().at(0).toString(), QString::fromLatin1(QByteArray("ba").toBase64()));
}

void tst_Values::datesAndTimes()
{
    const QCborArray values = invoke(QStringLiteral("dates")).toArray();
    QCOMPARE(values.at(0).toDateTime().date(), QDate(2024, 5, 1));
    QCOMPARE(values.at(0).toDateTime().time(), QTime(12, 30, 0, 250));
    QCOMPARE(quint64(values.at(1).tag()), Tag::FullDate);
    QCOMPARE(values.at(1).taggedValue().toString(), QStringLiteral("2024-05-01"));
    QCOMPARE(quint64(values.at(2).tag()), Tag::Time);
    QCOMPARE(values.at(2).taggedValue().toString(), QStringLiteral("12:30:05"));
    QCOMPARE(values.at(3).toDateTime(), QDateTime(QDate(2024, 5, 1), QTime(12, 30), Qt::UTC));
    const QDateTime when(QDate(2023, 1, 2), QTime(3, 4, 5), Qt::UTC);
    const QCborArray described = invoke(QStringLiteral("iso"), {{QCborValue(when)}}).toArray();
    QCOMPARE(described.at(0).toString(), QStringLiteral("datetime"));
    QCOMPARE(described.at(1).toString(), QStringLiteral("2023-01-02T03:04:05+00:00"));
    const QCborArray date =
        invoke(QStringLiteral("iso"), {{QCborValue(QCborTag(Tag::FullDate), QStringLiteral("2023-01-02"))}}).toArray();
    QCOMPARE(date.at(0).toString(), QStringLiteral("date"));
}

void tst_Values::decimals()
{
    const QCborArray values = invoke(QStringLiteral("money")).toArray();
    QCOMPARE(values.at(0), QCborValue(QCborKnownTags::Decimal, QCborArray{-2, 1250}));
    QCOMPARE(values.at(1), QCborValue(QCborKnownTags::Decimal, QCborArray{29, -15}));
    QCOMPARE(invoke(QStringLiteral("type_of"), {{values.at(0)}}).toString(), QStringLiteral("Decimal"));
    QJsonValue json;
    QVERIFY(m_venv->callAndAwait(QStringLiteral("money"), {}, &json).ok());
    QCOMPARE(json.toArray().at(0).toString(), QStringLiteral("12.50"));
}

void tst_Values::keywordArguments()
{
    QCOMPARE(invoke(QStringLiteral("scaled"), {{3}}), QCborValue(6));
    QCOMPARE(invoke(QStringLiteral("scaled"), {{3}, {{QStringLiteral("offset"), 1}}}), QCborValue(7));
    QCOMPARE(invoke(QStringLiteral("scaled"), {{}, {{QStringLiteral("x"), 1}, {QStringLiteral("factor"), 10}}}),
             QCborValue(10));
    const QCborMap collected =
        invoke(QStringLiteral("collect"), {{1, QStringLiteral("two")}, {{QStringLiteral("b"), 2}, {QStringLiteral("a"), 1}}})
            .toMap();
    QCOMPARE(collected.value(QStringLiteral("args")), QCborValue(QCborArray{1, QStringLiteral("two")}));
    QCOMPARE(TestUtil::mapKeys(collected.value(QStringLiteral("kwargs")).toMap()).join(QLatin1Char(' ')), QStringLiteral("b a"));
    QCborValue result;
    const Error error = m_venv->invokeAndAwait(QStringLiteral("scaled"), {{}, {{QStringLiteral("nope"), 1}}}, &result);
    QCOMPARE(error.code, ErrorCode::PythonError);
    QCOMPARE(error.type, QStringLiteral("TypeError"));
}

void tst_Values::oldOneValueFormUnchanged()
{
    QJsonValue out;
    QVERIFY(m_venv->callAndAwait(QStringLiteral("takes_dict"), QJsonObject{{QStringLiteral("b"), 1}, {QStringLiteral("a"), 2}}, &out).ok());
    QCOMPARE(out, QJsonValue(QJsonArray{QStringLiteral("a"), QStringLiteral("b")}));
    QVERIFY(m_venv->callAndAwait(QStringLiteral("collect"), {}, &out).ok()); // null: fn()
    QCOMPARE(out.toObject().value(QStringLiteral("args")), QJsonValue(QJsonArray{}));
}

void tst_Values::typedArraysWithoutNumpy()
{
    const NdArray range = NdArray::fromCbor(invoke(QStringLiteral("arange"), {{5}}));
    QVERIFY(range.isValid());
    QCOMPARE(range.dtype(), DType::Float64);
    QCOMPARE(range.shape(), QList<qint64>{5});
    QCOMPARE(std::vector<double>(range.values<double>().begin(), range.values<double>().end()),
             (std::vector<double>{0, 1, 2, 3, 4}));
    const NdArray grid = NdArray::fromCbor(invoke(QStringLiteral("grid"), {{2, 3}}));
    QCOMPARE(grid.dtype(), DType::Int32);
    QCOMPARE(grid.shape(), (QList<qint64>{2, 3}));
    QCOMPARE(grid.values<qint32>()[5], 5);
    // An NdArray argument arrives as a memoryview of its format and shape when numpy is absent.
    const NdArray matrix(std::vector<float>{1.5f, 2.5f, 3.5f, 4.5f, 5.5f, 6.5f}, {3, 2});
    const QCborMap info = invoke(QStringLiteral("array_info"), {{matrix.toCbor()}}).toMap();
    QCOMPARE(info.value(QStringLiteral("type")).toString(), QStringLiteral("memoryview"));
    QCOMPARE(info.value(QStringLiteral("format")).toString(), QStringLiteral("f"));
    QCOMPARE(info.value(QStringLiteral("shape")), QCborValue(QCborArray{3, 2}));
    QCOMPARE(info.value(QStringLiteral("values")).toArray().at(2), QCborValue(QCborArray{5.5, 6.5}));
    // And back unchanged.
    const NdArray echoed = NdArray::fromCbor(invoke(QStringLiteral("echo"), {{matrix.toCbor()}}));
    QCOMPARE(echoed.shape(), matrix.shape());
    QCOMPARE(echoed.data(), matrix.data());
    // The JSON projection is nested lists of numbers.
    QJsonValue json;
    QVERIFY(m_venv->callAndAwait(QStringLiteral("arange"), 3, &json).ok());
    QCOMPARE(json, QJsonValue(QJsonArray{0.0, 1.0, 2.0}));
}

void tst_Values::tablesAsDictsOfColumns()
{
    const Table table({QStringLiteral("name"), QStringLiteral("score")},
                      {QCborArray{QStringLiteral("a"), QStringLiteral("b")}, NdArray(std::vector<double>{0.5, 1.5}).toCbor()});
    QVERIFY(table.isValid());
    const QCborMap info = invoke(QStringLiteral("columns_info"), {{table.toCbor()}}).toMap();
    QCOMPARE(TestUtil::mapKeys(info).join(QLatin1Char(' ')), QStringLiteral("name score"));
    QCOMPARE(info.value(QStringLiteral("name")), QCborValue(QCborArray{QStringLiteral("list"), QCborArray{QStringLiteral("a"), QStringLiteral("b")}}));
    QCOMPARE(info.value(QStringLiteral("score")), QCborValue(QCborArray{QStringLiteral("memoryview"), QCborArray{0.5, 1.5}}));
    // A dict of equal-length columns returned by Python reads as a Table.
    const Table back = Table::fromValue(invoke(QStringLiteral("echo"), {{QCborMap{{QStringLiteral("x"), QCborArray{1, 2, 3}},
                                                                                {QStringLiteral("y"), QCborArray{4, 5, 6}}}}}));
    QCOMPARE(back.rowCount(), 3);
    QCOMPARE(back.columnNames(), (QStringList{QStringLiteral("x"), QStringLiteral("y")}));
    QCOMPARE(back.cell(2, 1), QCborValue(6));
}

void tst_Values::containersBecomeArrays()
{
    QCOMPARE(invoke(QStringLiteral("containers")), QCborValue(QCborArray{QCborArray{1, 2}, QCborArray{3}, QCborArray{}}));
}

void tst_Values::imagesAndRegisteredConverters()
{
    const Image image = Image::fromCbor(invoke(QStringLiteral("picture")));
    QVERIFY(image.isValid());
    QCOMPARE(image.mimeType(), QStringLiteral("image/png"));
    QVERIFY(image.data().startsWith("\x89PNG"));
    QCOMPARE(invoke(QStringLiteral("point")),
             QCborValue(QCborArray{QCborMap{{QStringLiteral("x"), 1}, {QStringLiteral("y"), 2}}}));
}

void tst_Values::parametersAreDescribed()
{
    const QList<FunctionInfo> functions = m_venv->functions();
    const auto scaled = std::find_if(functions.cbegin(), functions.cend(),
                                     [](const FunctionInfo &f) { return f.name == QLatin1String("scaled"); });
    QVERIFY(scaled != functions.cend());
    QCOMPARE(scaled->parameters.size(), 3);
    QCOMPARE(scaled->parameters.at(0).name, QStringLiteral("x"));
    QVERIFY(!scaled->parameters.at(0).hasDefault);
    QCOMPARE(scaled->parameters.at(1).defaultValue, QStringLiteral("2"));
    QCOMPARE(scaled->parameters.at(2).kind, ParameterInfo::Kind::Keyword);
    QVERIFY(!functions.isEmpty() && std::none_of(functions.cbegin(), functions.cend(), [](const FunctionInfo &f) {
        return f.name == QLatin1String("Point") ? false : f.name.startsWith(QLatin1Char('_'));
    }));
}

void tst_Values::deliveryIsExactlyOnceAcrossApis()
{
    const QString first = m_venv->invoke(QStringLiteral("ordered"));
    QJsonValue json;
    QVERIFY(m_venv->await(first, &json).ok());
    QCOMPARE(json.toObject().value(QStringLiteral("x")), QJsonValue(2));
    QCborValue value;
    QCOMPARE(m_venv->awaitValue(first, &value).code, ErrorCode::Unknown);

    const QString second = m_venv->call(QStringLiteral("echo"), QJsonObject{{QStringLiteral("k"), 1}});
    QVERIFY(m_venv->awaitValue(second, &value).ok());
    QCOMPARE(value, QCborValue(QCborMap{{QStringLiteral("k"), 1}}));
    QCOMPARE(m_venv->await(second).code, ErrorCode::Unknown);

    // Racing claims through both APIs: exactly one wins.
    for (int round = 0; round < 20; ++round) {
        const QString id = m_venv->invoke(QStringLiteral("echo"), {{round}});
        std::atomic<int> delivered = 0;
        TestUtil::runThreads(4, [&](int index) {
            QCborValue rich;
            QJsonValue plain;
            const Error error = index % 2 ? m_venv->awaitValue(id, &rich, QDeadlineTimer(30s))
                                          : m_venv->await(id, &plain, QDeadlineTimer(30s));
            if (error.ok())
                ++delivered;
            else
                QCOMPARE(error.code, ErrorCode::Unknown);
        });
        QCOMPARE(delivered.load(), 1);
    }
    bool done = false;
    const QString peeked = m_venv->invoke(QStringLiteral("echo"), {{QByteArray("x")}});
    QVERIFY(!peeked.isEmpty());
    Error peekError;
    // qWaitFor evaluates once per try; QTRY_VERIFY would claim the result a second time.
    QVERIFY(QTest::qWaitFor([&] {
        peekError = m_venv->resultValue(peeked, &done, &value);
        return done || !peekError.ok();
    }));
    QVERIFY2(peekError.ok(), qPrintable(describe(peekError)));
    QCOMPARE(value, QCborValue(QByteArray("x")));
}

void tst_Values::invokeAsyncDeliversTheValue()
{
    QString id;
    QFuture<QCborValue> future = m_venv->invokeAsync(QStringLiteral("ordered"), {}, &id);
    QVERIFY(!id.isEmpty());
    future.waitForFinished();
    QCOMPARE(TestUtil::mapKeys(future.result().toMap()).first(), QStringLiteral("x"));
    QFuture<QCborValue> failing = m_venv->invokeAsync(QStringLiteral("scaled"), {{}, {{QStringLiteral("nope"), 1}}});
    QVERIFY_THROWS_EXCEPTION(CallException, failing.waitForFinished());
}

void tst_Values::unconvertibleResultNamesItsPath()
{
    QCborValue result;
    const Error error = m_venv->invokeAndAwait(QStringLiteral("bad_result"), {}, &result);
    QCOMPARE(error.code, ErrorCode::PythonError);
    QVERIFY2(error.message.contains(QStringLiteral(R"(["rows"][3]["when"])")), qPrintable(describe(error)));
    QVERIFY2(error.message.contains(QStringLiteral("object")), qPrintable(describe(error)));
    QVERIFY2(error.message.contains(QStringLiteral("qtpyvenv.register")), qPrintable(describe(error)));
    QVERIFY2(!error.traceback.contains(QStringLiteral("qtpyvenv_worker.py")), qPrintable(describe(error)));
    QVERIFY2(!error.traceback.contains(QStringLiteral("json/encoder.py")), qPrintable(describe(error)));
    QCOMPARE(m_venv->state(), State::Ready);
}

void tst_Values::tooDeepArgumentsAreRefusedUpFront()
{
    const qint64 pid = m_venv->processId();
    QCborValue deep(1);
    for (int i = 0; i < 100000; ++i)
        deep = QCborArray{deep};
    Error error;
    QCOMPARE(m_venv->invoke(QStringLiteral("echo"), {{deep}}, &error), QString());
    QCOMPARE(error.code, ErrorCode::InvalidArgument);
    QVERIFY2(error.message.contains(QStringLiteral("512")), qPrintable(error.message));
    QJsonArray deepJson{1};
    for (int i = 0; i < 1000; ++i)
        deepJson = QJsonArray{deepJson};
    QCOMPARE(m_venv->call(QStringLiteral("echo"), deepJson, &error), QString());
    QCOMPARE(error.code, ErrorCode::InvalidArgument);
    // Just under the limit goes through: the worker decodes what the host lets pass.
    QCborValue fits(1);
    for (int i = 1; i < MaxValueDepth; ++i)
        fits = QCborArray{fits};
    QCOMPARE(invoke(QStringLiteral("echo"), {{fits}}), fits);
    QCOMPARE(m_venv->processId(), pid);
    QCOMPARE(m_venv->state(), State::Ready);
}

void tst_Values::tooDeepOrHugeResultsFailOnlyTheirCall()
{
    const qint64 pid = m_venv->processId();
    QCborValue result;
    Error error = m_venv->invokeAndAwait(QStringLiteral("deep"), {{600}}, &result);
    QCOMPARE(error.code, ErrorCode::PythonError);
    QVERIFY2(error.message.contains(QStringLiteral("512")) || error.message.contains(QStringLiteral("deep")),
             qPrintable(describe(error)));
    error = m_venv->invokeAndAwait(QStringLiteral("deep"), {{5000}}, &result);
    QCOMPARE(error.code, ErrorCode::PythonError);
    QVERIFY(m_venv->invokeAndAwait(QStringLiteral("big_ints"), {}, &result).ok());
    QCOMPARE(m_venv->processId(), pid);
    QCOMPARE(m_venv->state(), State::Ready);
}

void tst_Values::oversizedArgumentsAreRefusedUpFront()
{
    // Over the 256 MiB frame cap, as bytes (a binary part) and as a JSON string: refused before
    // anything is sent, with a code that says so; the worker is not touched.
    const qint64 pid = m_venv->processId();
    constexpr qsizetype Cap = 256 * 1024 * 1024;
    Error error;
    QCOMPARE(m_venv->invoke(QStringLiteral("echo"), {{QByteArray(Cap + 1, 'x')}}, &error), QString());
    QCOMPARE(error.code, ErrorCode::InvalidArgument);
    QVERIFY2(error.message.contains(QStringLiteral("frame cap")), qPrintable(error.message));
    QCOMPARE(m_venv->call(QStringLiteral("echo"), QString(Cap + 1, QLatin1Char('x')), &error), QString());
    QCOMPARE(error.code, ErrorCode::InvalidArgument);
    QCOMPARE(invoke(QStringLiteral("echo"), {{7}}), QCborValue(7));
    QCOMPARE(m_venv->processId(), pid);
    QCOMPARE(m_venv->state(), State::Ready);
}

QTEST_GUILESS_MAIN(tst_Values)
#include "tst_values.moc"
