// SPDX-License-Identifier: MIT
// Rich values against the real third-party packages: numpy arrays and scalars, pandas DataFrames
// and Series, matplotlib figures, both ways through one venv that has them, and qtpyvenv-call on it.
// The venv is the one the pydata tests share (pydatavenv.h): pip runs on the first run only.
#include "pydatavenv.h"

#include <QCborArray>
#include <QCborMap>
#include <QDateTime>
#include <QImage>
#include <QSaveFile>

#include <cmath>
#include <numeric>

using namespace QtPyVenv;
using namespace std::chrono_literals;

namespace {

const QString PydataSource = QStringLiteral(R"PY(
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

def scalars():
    return [np.arange(5), np.int64(3), np.float32(0.5), np.bool_(True), np.uint8(200), np.float64(-2.25)]

def made_arrays():
    return {
        "float64": np.arange(6, dtype=np.float64).reshape(2, 3) / 2,
        "int32": np.arange(6, dtype=np.int32).reshape(3, 2) - 2,
        "bool": np.array([[True, False, False], [False, True, True]]),
    }

def describe_array(a):
    return {"type": type(a).__module__ + "." + type(a).__name__, "dtype": str(a.dtype),
            "shape": list(a.shape), "sum": a.sum().item()}

def doubled(a):
    assert isinstance(a, np.ndarray), type(a)
    return a * 2

def inverted(a):
    assert isinstance(a, np.ndarray) and a.dtype == np.bool_, (type(a), getattr(a, "dtype", None))
    return ~a

def echo_with_sum(a):
    assert isinstance(a, np.ndarray), type(a)
    return [a, float(a.sum())]

def frame():
    return pd.DataFrame({
        "z": np.array([1, 2, 3], dtype=np.int64),
        "a": [0.5, 1.5, 2.5],
        "m": np.array([7, 8, 9], dtype=np.int32),
        "flag": [True, False, True],
    }, index=pd.Index([10, 20, 30], name="id"))

def frame_with_gaps():
    return pd.DataFrame({"x": [1.0, np.nan, 3.0], "name": ["a", None, "c"]})

def series():
    return pd.Series([1.5, 2.5, np.nan], index=["p", "q", "r"], name="s")

def described():
    return pd.DataFrame({"b": [1.0, 2.0, 4.0], "a": [10, 20, 30]}).describe()

def described_single():
    return pd.Series([5.0]).describe().to_dict()

def table_info(t):
    assert isinstance(t, pd.DataFrame), type(t)
    return {"columns": list(t.columns), "dtypes": [str(t[c].dtype) for c in t.columns],
            "rows": len(t), "total": float(t["b"].sum()), "first": t["a"].iloc[0]}

def figure():
    fig = Figure(figsize=(4, 3), dpi=50)
    fig.add_subplot().plot([0, 1, 2], [0, 1, 4])
    return fig

def dates():
    return pd.DataFrame({"when": pd.date_range("2024-05-01", periods=3, freq="D"), "v": [1.0, 2.0, 3.0]})

def mixed():
    return {"z": np.arange(3), "a": pd.DataFrame({"b": [1.5, 2.5], "a": [1, 2]}), "m": np.float32(0.25)}

def scaled(values, factor=1.0, *, offset=0.0):
    return np.asarray(values, dtype=np.float64) * factor + offset

def png_bytes():
    import io
    buffer = io.BytesIO()
    figure().savefig(buffer, format="png")
    return buffer.getvalue()
)PY");

const QByteArray PngSignature("\x89PNG\r\n\x1a\n", 8);

QString str(const char *text)
{
    return QString::fromUtf8(text);
}

QString describe(const Error &error)
{
    return error.toString() + QLatin1Char('\n') + error.traceback;
}

bool isNaN(const QCborValue &value)
{
    return value.isDouble() && std::isnan(value.toDouble());
}

//! The numbers of a (nested) array, flattened, as doubles.
QList<double> numbers(const QCborValue &value)
{
    if (!value.isArray())
        return {value.isInteger() ? double(value.toInteger()) : value.toDouble()};
    QList<double> flat;
    for (const QCborValue &element : value.toArray())
        flat += numbers(element);
    return flat;
}

} // namespace

class tst_Pydata : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void numpyScalarsAndRange();
    void arraysFromPython();
    void arraysBothWays_data();
    void arraysBothWays();
    void boolArrays();
    void ndArrayArrivesAsNumpy();
    void largeArrayRoundTrip();
    void dataFrameToTable();
    void dataFrameWithNaNAndStrings();
    void seriesToTable();
    void describeKeepsOrderAndNaN();
    void tableArrivesAsDataFrame();
    void figureToImage();
    void datetime64Column();
    void callToolPrintsArraysAndTables();
    void callToolWritesImage();
    void cleanupTestCase();

private:
    Error invoke(const QString &function, const Arguments &arguments, QCborValue *result);
    int runTool(const QStringList &arguments, QByteArray *out, QByteArray *err);

    std::unique_ptr<Venv> m_venv;
    std::unique_ptr<QTemporaryDir> m_scratch;
    QString m_sourceFile;
};

Error tst_Pydata::invoke(const QString &function, const Arguments &arguments, QCborValue *result)
{
    return m_venv->invokeAndAwait(function, arguments, result, QDeadlineTimer(2min));
}

void tst_Pydata::initTestCase()
{
    m_scratch = std::make_unique<QTemporaryDir>();
    QVERIFY(m_scratch->isValid());
    // matplotlib's font cache, kept beside the venv instead of in the home directory.
    qputenv("MPLCONFIGDIR", QFile::encodeName(str(QTPYVENV_PYDATA_BASE_DIR) + str("/mplconfig")));

    m_venv = std::make_unique<Venv>(Pydata::config({PydataSource}));
    const Error error = m_venv->start(QDeadlineTimer(15min));
    if (error.code == ErrorCode::InstallFailed && TestUtil::indexUnreachable(error.message))
        QSKIP(qPrintable(Pydata::skipReason(error.message)));
    QVERIFY2(error.ok(), qPrintable(describe(error)));

    m_sourceFile = m_scratch->filePath(str("pydata.py"));
    QSaveFile file(m_sourceFile);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(PydataSource.toUtf8());
    QVERIFY(file.commit());
}

void tst_Pydata::numpyScalarsAndRange()
{
    QCborValue result;
    const Error error = invoke(str("scalars"), {}, &result);
    QVERIFY2(error.ok(), qPrintable(describe(error)));
    const QCborArray values = result.toArray();
    QCOMPARE(values.size(), 6);

    const NdArray range = NdArray::fromCbor(values.at(0));
    QVERIFY(range.isValid());
    QCOMPARE(range.dtype(), DType::Int64);
    QCOMPARE(range.shape(), QList<qint64>{5});
    const auto elements = range.values<qint64>();
    QCOMPARE(QList<qint64>(elements.begin(), elements.end()), (QList<qint64>{0, 1, 2, 3, 4}));

    QVERIFY(values.at(1).isInteger());
    QCOMPARE(values.at(1).toInteger(), 3);
    QVERIFY(values.at(2).isDouble());
    QCOMPARE(values.at(2).toDouble(), 0.5);
    QVERIFY(values.at(3).isBool());
    QCOMPARE(values.at(3).toBool(), true);
    QCOMPARE(values.at(4).toInteger(), 200);
    QCOMPARE(values.at(5).toDouble(), -2.25);
    QCOMPARE(toJsonText(result, 0), QByteArray("[[0,1,2,3,4],3,0.5,true,200,-2.25]"));
}

void tst_Pydata::arraysFromPython()
{
    QCborValue result;
    const Error error = invoke(str("made_arrays"), {}, &result);
    QVERIFY2(error.ok(), qPrintable(describe(error)));
    QCOMPARE(TestUtil::mapKeys(result.toMap()), (QStringList{str("float64"), str("int32"), str("bool")}));

    const NdArray floats = NdArray::fromCbor(result[str("float64")]);
    QCOMPARE(floats.dtype(), DType::Float64);
    QCOMPARE(floats.shape(), (QList<qint64>{2, 3}));
    const auto f = floats.values<double>();
    QCOMPARE(QList<double>(f.begin(), f.end()), (QList<double>{0, 0.5, 1, 1.5, 2, 2.5}));

    const NdArray ints = NdArray::fromCbor(result[str("int32")]);
    QCOMPARE(ints.dtype(), DType::Int32);
    QCOMPARE(ints.shape(), (QList<qint64>{3, 2}));
    const auto i = ints.values<qint32>();
    QCOMPARE(QList<qint32>(i.begin(), i.end()), (QList<qint32>{-2, -1, 0, 1, 2, 3}));

    const NdArray bools = NdArray::fromCbor(result[str("bool")]);
    QCOMPARE(bools.dtype(), DType::Bool);
    QCOMPARE(bools.shape(), (QList<qint64>{2, 3}));
    QCOMPARE(bools.valueAt(0), 1.0);
    QCOMPARE(bools.valueAt(1), 0.0);
    QCOMPARE(bools.valueAt(5), 1.0);

    // The JSON projection: nested lists in row-major order.
    const QCborMap projected = fromJsonText(toJsonText(result, 0)).toMap();
    QCOMPARE(numbers(projected.value(str("float64"))), (QList<double>{0, 0.5, 1, 1.5, 2, 2.5}));
    QCOMPARE(projected.value(str("float64")).toArray().size(), 2);
    QCOMPARE(toJsonText(projected.value(str("int32")), 0), QByteArray("[[-2,-1],[0,1],[2,3]]"));
    QCOMPARE(toJsonText(projected.value(str("bool")), 0), QByteArray("[[true,false,false],[false,true,true]]"));
}

void tst_Pydata::arraysBothWays_data()
{
    QTest::addColumn<NdArray>("array");
    QTest::addColumn<QString>("dtype");
    QTest::newRow("float64 2x3") << NdArray(QList<double>{1.5, -2, 3.25, 0, 1e300, -0.5}, {2, 3}) << str("float64");
    QTest::newRow("int32 3x2") << NdArray(QList<qint32>{1, -2, 3, 2147483647 / 2, -7, 0}, {3, 2}) << str("int32");
    QTest::newRow("uint8 1-D") << NdArray(QList<quint8>{0, 1, 127, 200}) << str("uint8");
    QTest::newRow("float32 2x2x2") << NdArray(QList<float>{1, 2, 3, 4, 5, 6, 7, 8}, {2, 2, 2}) << str("float32");
}

void tst_Pydata::arraysBothWays()
{
    QFETCH(NdArray, array);
    QFETCH(QString, dtype);
    QVERIFY(array.isValid());

    QCborValue result;
    Error error = invoke(str("describe_array"), {{array.toCbor()}, {}}, &result);
    QVERIFY2(error.ok(), qPrintable(describe(error)));
    QCOMPARE(result[str("type")].toString(), str("numpy.ndarray"));
    QCOMPARE(result[str("dtype")].toString(), dtype);
    QList<qint64> shape;
    for (const QCborValue &d : result[str("shape")].toArray())
        shape << d.toInteger();
    QCOMPARE(shape, array.shape());

    error = invoke(str("doubled"), {{array.toCbor()}, {}}, &result);
    QVERIFY2(error.ok(), qPrintable(describe(error)));
    const NdArray twice = NdArray::fromCbor(result);
    QVERIFY(twice.isValid());
    QCOMPARE(NdArray::dtypeName(twice.dtype()), dtype);
    QCOMPARE(twice.shape(), array.shape());
    for (qint64 index = 0; index < array.count(); ++index) {
        // uint8 wraps around as numpy does
        const double expected = array.dtype() == DType::UInt8 ? double(quint8(2 * int(array.valueAt(index))))
                                                              : 2 * array.valueAt(index);
        QCOMPARE(twice.valueAt(index), expected);
    }
}

void tst_Pydata::boolArrays()
{
    const NdArray mask(QList<bool>{true, false, true, true, false, false}, {3, 2});
    QVERIFY(mask.isValid());
    QCborValue result;
    Error error = invoke(str("describe_array"), {{mask.toCbor()}, {}}, &result);
    QVERIFY2(error.ok(), qPrintable(describe(error)));
    QCOMPARE(result[str("dtype")].toString(), str("bool"));
    QCOMPARE(result[str("sum")].toInteger(), 3);

    error = invoke(str("inverted"), {{mask.toCbor()}, {}}, &result);
    QVERIFY2(error.ok(), qPrintable(describe(error)));
    const NdArray inverted = NdArray::fromCbor(result);
    QCOMPARE(inverted.dtype(), DType::Bool);
    QCOMPARE(inverted.shape(), (QList<qint64>{3, 2}));
    const auto values = inverted.values<bool>();
    QCOMPARE(QList<bool>(values.begin(), values.end()), (QList<bool>{false, true, false, false, true, true}));
    QCOMPARE(toJsonText(result, 0), QByteArray("[[false,true],[false,false],[true,true]]"));
}

void tst_Pydata::ndArrayArrivesAsNumpy()
{
    const NdArray array(QList<qint16>{1, -2, 300, 4}, {2, 2});
    QCborValue result;
    const Error error = invoke(str("describe_array"), {{array.toCbor()}, {}}, &result);
    QVERIFY2(error.ok(), qPrintable(describe(error)));
    QCOMPARE(toJsonText(result, 0),
             QByteArray(R"({"type":"numpy.ndarray","dtype":"int16","shape":[2,2],"sum":303})"));
}

void tst_Pydata::largeArrayRoundTrip()
{
    // 64 MiB of float64: whole numbers, so that numpy's sum is exact in any order.
    std::vector<double> values(64 * 1024 * 1024 / sizeof(double));
    std::iota(values.begin(), values.end(), 0.0);
    const NdArray array(values, {qint64(values.size()) / 1024, 1024});
    QCborValue result;
    const Error error = invoke(str("echo_with_sum"), {{array.toCbor()}, {}}, &result);
    QVERIFY2(error.ok(), qPrintable(describe(error)));
    const double n = double(values.size());
    QCOMPARE(result[1].toDouble(), n * (n - 1) / 2);
    const NdArray back = NdArray::fromCbor(result[0]);
    QCOMPARE(back.dtype(), DType::Float64);
    QCOMPARE(back.shape(), array.shape());
    QVERIFY(back.data() == array.data());
}

void tst_Pydata::dataFrameToTable()
{
    QCborValue result;
    const Error error = invoke(str("frame"), {}, &result);
    QVERIFY2(error.ok(), qPrintable(describe(error)));
    const Table table = Table::fromCbor(result);
    QVERIFY(table.isValid());
    QCOMPARE(table.columnNames(), (QStringList{str("z"), str("a"), str("m"), str("flag")}));
    QCOMPARE(table.rowCount(), 3);
    QCOMPARE(table.numericColumn(0).dtype(), DType::Int64);
    QCOMPARE(table.numericColumn(1).dtype(), DType::Float64);
    QCOMPARE(table.numericColumn(2).dtype(), DType::Int32);
    QCOMPARE(table.numericColumn(3).dtype(), DType::Bool);
    QCOMPARE(table.cell(2, 0).toInteger(), 3);
    QCOMPARE(table.cell(1, 1).toDouble(), 1.5);
    QCOMPARE(table.cell(0, 2).toInteger(), 7);
    QCOMPARE(table.cell(1, 3).toBool(), false);
    QVERIFY(table.hasIndex());
    QCOMPARE(table.indexName(), str("id"));
    QCOMPARE(table.indexAt(0).toInteger(), 10);
    QCOMPARE(table.indexAt(2).toInteger(), 30);
    // The JSON projection: columns in order, then the index.
    const QCborValue projected = fromJsonText(toJsonText(result, 0));
    QCOMPARE(TestUtil::mapKeys(projected.toMap()), (QStringList{str("z"), str("a"), str("m"), str("flag"), str("index")}));
}

void tst_Pydata::dataFrameWithNaNAndStrings()
{
    QCborValue result;
    const Error error = invoke(str("frame_with_gaps"), {}, &result);
    QVERIFY2(error.ok(), qPrintable(describe(error)));
    const Table table = Table::fromCbor(result);
    QVERIFY(table.isValid());
    QCOMPARE(table.columnNames(), (QStringList{str("x"), str("name")}));
    QCOMPARE(table.rowCount(), 3);
    QCOMPARE(table.numericColumn(0).dtype(), DType::Float64);
    QCOMPARE(table.cell(0, 0).toDouble(), 1.0);
    QVERIFY(isNaN(table.cell(1, 0)));
    QVERIFY(!table.numericColumn(1).isValid()); // strings are a list of values
    QCOMPARE(table.cell(0, 1).toString(), str("a"));
    const QCborValue missing = table.cell(1, 1);
    QVERIFY2(missing.isNull() || isNaN(missing), qPrintable(QString::fromUtf8(toJsonText(missing, 0))));
    QCOMPARE(table.cell(2, 1).toString(), str("c"));
    const QCborMap projected = fromJsonText(toJsonText(result, 0)).toMap();
    QVERIFY(projected.value(str("x")).toArray().at(1).isNull()); // NaN is null in JSON
}

void tst_Pydata::seriesToTable()
{
    QCborValue result;
    const Error error = invoke(str("series"), {}, &result);
    QVERIFY2(error.ok(), qPrintable(describe(error)));
    const Table table = Table::fromCbor(result);
    QVERIFY(table.isValid());
    QCOMPARE(table.columnNames(), QStringList{str("s")});
    QCOMPARE(table.rowCount(), 3);
    QCOMPARE(table.cell(1, 0).toDouble(), 2.5);
    QVERIFY(isNaN(table.cell(2, 0)));
    QVERIFY(table.hasIndex());
    QCOMPARE(table.indexAt(0).toString(), str("p"));
    QCOMPARE(table.indexAt(2).toString(), str("r"));
}

void tst_Pydata::describeKeepsOrderAndNaN()
{
    QCborValue result;
    Error error = invoke(str("described"), {}, &result);
    QVERIFY2(error.ok(), qPrintable(describe(error)));
    const Table table = Table::fromCbor(result);
    QVERIFY(table.isValid());
    QCOMPARE(table.columnNames(), (QStringList{str("b"), str("a")}));
    const QStringList statistics{str("count"), str("mean"), str("std"), str("min"),
                                 str("25%"), str("50%"), str("75%"), str("max")};
    QCOMPARE(table.rowCount(), statistics.size());
    for (int row = 0; row < statistics.size(); ++row)
        QCOMPARE(table.indexAt(row).toString(), statistics.at(row));
    QCOMPARE(table.cell(0, 0).toDouble(), 3.0);
    QCOMPARE(table.cell(1, 1).toDouble(), 20.0);
    QCOMPARE(table.cell(7, 0).toDouble(), 4.0);

    // A dict keeps its order, and the std of one value is NaN (null in JSON).
    error = invoke(str("described_single"), {}, &result);
    QVERIFY2(error.ok(), qPrintable(describe(error)));
    QCOMPARE(TestUtil::mapKeys(result.toMap()), statistics);
    QVERIFY(isNaN(result[str("std")]));
    QCOMPARE(result[str("mean")].toDouble(), 5.0);
    const QCborMap projected = fromJsonText(toJsonText(result, 0)).toMap();
    QCOMPARE(TestUtil::mapKeys(projected), statistics);
    QVERIFY(projected.value(str("std")).isNull());
    QCOMPARE(projected.value(str("max")).toDouble(), 5.0);
}

void tst_Pydata::tableArrivesAsDataFrame()
{
    const Table table({str("b"), str("a")},
                      {NdArray(QList<double>{0.5, 1.5, 2.0}).toCbor(), QCborArray{str("u"), str("v"), str("w")}});
    QVERIFY(table.isValid());
    QCborValue result;
    const Error error = invoke(str("table_info"), {{table.toCbor()}, {}}, &result);
    QVERIFY2(error.ok(), qPrintable(describe(error)));
    QCOMPARE(result[str("columns")].toArray(), (QCborArray{str("b"), str("a")}));
    QCOMPARE(result[str("dtypes")][0].toString(), str("float64"));
    const QString stringDtype = result[str("dtypes")][1].toString(); // "object", or "str" from pandas 3 on
    QVERIFY2(stringDtype == str("object") || stringDtype == str("str"), qPrintable(stringDtype));
    QCOMPARE(result[str("rows")].toInteger(), 3);
    QCOMPARE(result[str("total")].toDouble(), 4.0);
    QCOMPARE(result[str("first")].toString(), str("u"));
}

void tst_Pydata::figureToImage()
{
    QCborValue result;
    Error error = invoke(str("figure"), {}, &result);
    QVERIFY2(error.ok(), qPrintable(describe(error)));
    const Image image = Image::fromCbor(result);
    QVERIFY(image.isValid());
    QCOMPARE(image.mimeType(), str("image/png"));
    QVERIFY(image.data().startsWith(PngSignature));
    const QImage decoded = QImage::fromData(image.data());
    QVERIFY(!decoded.isNull());
    QVERIFY2(decoded.width() > 50 && decoded.height() > 50,
             qPrintable(str("%1x%2").arg(decoded.width()).arg(decoded.height())));

    // bytes are a byte string, and carry PNG data just as well.
    error = invoke(str("png_bytes"), {}, &result);
    QVERIFY2(error.ok(), qPrintable(describe(error)));
    QVERIFY(result.isByteArray());
    QVERIFY(result.toByteArray().startsWith(PngSignature));
}

void tst_Pydata::datetime64Column()
{
    QCborValue result;
    const Error error = invoke(str("dates"), {}, &result);
    QVERIFY2(error.ok(), qPrintable(describe(error)));
    const Table table = Table::fromCbor(result);
    QVERIFY(table.isValid());
    QCOMPARE(table.columnNames(), (QStringList{str("when"), str("v")}));
    QCOMPARE(table.rowCount(), 3);
    for (int row = 0; row < 3; ++row) {
        const QDateTime when = table.cell(row, 0).toDateTime();
        QVERIFY2(when.isValid(), qPrintable(QString::fromUtf8(toJsonText(table.cell(row, 0), 0))));
        QCOMPARE(when.date(), QDate(2024, 5, 1 + row));
        QCOMPARE(when.time(), QTime(0, 0));
    }
    QCOMPARE(table.cell(2, 1).toDouble(), 3.0);
    const QCborMap projected = fromJsonText(toJsonText(result, 0)).toMap();
    QVERIFY2(projected.value(str("when")).toArray().at(0).toString().startsWith(str("2024-05-01T00:00:00")),
             qPrintable(QString::fromUtf8(toJsonText(result, 0))));
}

int tst_Pydata::runTool(const QStringList &arguments, QByteArray *out, QByteArray *err)
{
#ifdef QTPYVENV_CALL_TOOL
    // The same requirements, pip options and baseDir: the tool finds the venv installed and
    // shares it with the running test's worker.
    QStringList common{str("--python"), TestUtil::python(), str("--base-dir"), str(QTPYVENV_PYDATA_BASE_DIR),
                       str("--source"), m_sourceFile};
    for (const QString &requirement : Pydata::requirements())
        common << str("--requirement") << requirement;
    for (const QString &option : Pydata::pipOptions())
        common << str("--pip-option=") + option;
    QProcess tool;
    tool.start(str(QTPYVENV_CALL_TOOL), common + arguments);
    if (!tool.waitForFinished(120000))
        return -1;
    *out = tool.readAllStandardOutput();
    *err = tool.readAllStandardError();
    return tool.exitStatus() == QProcess::NormalExit ? tool.exitCode() : -1;
#else
    Q_UNUSED(arguments);
    Q_UNUSED(out);
    Q_UNUSED(err);
    return -2;
#endif
}

void tst_Pydata::callToolPrintsArraysAndTables()
{
#ifndef QTPYVENV_CALL_TOOL
    QSKIP("qtpyvenv-call is not built (QTPYVENV_BUILD_TOOLS=OFF)");
#endif
    QByteArray out, err;
    QCOMPARE(runTool({str("--compact"), str("mixed")}, &out, &err), 0);
    const QList<QByteArray> lines = out.split('\n');
    QCOMPARE(lines.size(), 2); // one line and its end
    const QCborMap printed = fromJsonText(out).toMap();
    QCOMPARE(TestUtil::mapKeys(printed), (QStringList{str("z"), str("a"), str("m")}));
    QCOMPARE(printed.value(str("z")).toArray(), (QCborArray{0, 1, 2}));
    const QCborMap table = printed.value(str("a")).toMap();
    QCOMPARE(TestUtil::mapKeys(table).mid(0, 2), (QStringList{str("b"), str("a")}));
    QCOMPARE(table.value(str("b")).toArray(), (QCborArray{1.5, 2.5}));
    QCOMPARE(table.value(str("a")).toArray(), (QCborArray{1, 2}));
    QCOMPARE(printed.value(str("m")).toDouble(), 0.25);

    // Positional and keyword arguments; the float64 array comes back as a plain list.
    QCOMPARE(runTool({str("--compact"), str("scaled"), str("[1, 2, 3]"), str("--kw"), str("offset=0.5"),
                      str("--kw"), str("factor=2")},
                     &out, &err),
             0);
    QCOMPARE(numbers(fromJsonText(out)), (QList<double>{2.5, 4.5, 6.5}));
}

void tst_Pydata::callToolWritesImage()
{
#ifndef QTPYVENV_CALL_TOOL
    QSKIP("qtpyvenv-call is not built (QTPYVENV_BUILD_TOOLS=OFF)");
#endif
    const QString png = m_scratch->filePath(str("figure.png"));
    QByteArray out, err;
    QCOMPARE(runTool({str("--output"), png, str("figure")}, &out, &err), 0);
    QVERIFY2(out.isEmpty(), out.constData());
    QFile file(png);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray data = file.readAll();
    QVERIFY(data.startsWith(PngSignature));
    QVERIFY(!QImage::fromData(data).isNull());

    // A table is no image.
    const QString notWritten = m_scratch->filePath(str("frame.png"));
    QCOMPARE(runTool({str("--output"), notWritten, str("frame")}, &out, &err), 1);
    QVERIFY2(err.contains("--output"), err.constData());
    QVERIFY(!QFile::exists(notWritten));
}

void tst_Pydata::cleanupTestCase()
{
    if (m_venv)
        m_venv->close(); // keeps the venv: removeBaseDirOnClose is off
    m_venv.reset();
    QCOMPARE(TestUtil::liveChildren(), QList<qint64>());
}

QTEST_GUILESS_MAIN(tst_Pydata)
#include "tst_pydata.moc"
