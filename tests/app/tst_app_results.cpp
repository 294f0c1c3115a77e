// SPDX-License-Identifier: MIT
// The result views and the arguments form under the offscreen platform, without a worker:
// ResultView picks the view that fits each kind of value; the table copies its selection as
// TSV and exports CSV; the image view zooms and saves; the array view sums its array up; the
// arguments form makes the call's Arguments and flags invalid JSON.
#include "core/resultvalue.h"
#include "core/tablemodel.h"
#include "core/valuetreemodel.h"
#include "ui/argumentsform.h"
#include "ui/imageview.h"
#include "ui/resultview.h"
#include "ui/tablepane.h"

#include <QApplication>
#include <QBuffer>
#include <QCborArray>
#include <QCborMap>
#include <QClipboard>
#include <QFile>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QSignalSpy>
#include <QTabBar>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>
#include <QTreeView>

#include <numeric>

using namespace QtPyVenvApp;

namespace {

QImage testImage(int width, int height)
{
    QImage image(width, height, QImage::Format_RGB32);
    image.fill(Qt::white);
    for (int x = 0; x < width; ++x)
        image.setPixelColor(x, x % height, Qt::blue);
    return image;
}

QByteArray png(const QImage &image)
{
    QBuffer buffer;
    buffer.open(QIODevice::WriteOnly);
    image.save(&buffer, "PNG");
    return buffer.data();
}

QtPyVenv::Table bigTable(qint64 rows)
{
    std::vector<qint64> ids(static_cast<size_t>(rows));
    std::iota(ids.begin(), ids.end(), qint64(0));
    std::vector<double> halves(static_cast<size_t>(rows));
    for (size_t i = 0; i < halves.size(); ++i)
        halves[i] = double(rows - qint64(i)) / 2;
    return QtPyVenv::Table({QStringLiteral("id"), QStringLiteral("half")},
                           {QtPyVenv::NdArray(ids).toCbor(), QtPyVenv::NdArray(halves).toCbor()});
}

} // namespace

class TestAppResults : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void resultViewPicksTheView_data()
    {
        QTest::addColumn<QCborValue>("value");
        QTest::addColumn<ResultKind>("kind");
        QTest::newRow("table") << bigTable(10).toCbor() << ResultKind::Table;
        QTest::newRow("records") << QCborValue(QCborArray{QCborMap{{QStringLiteral("a"), 1}}, QCborMap{{QStringLiteral("a"), 2}}})
                                 << ResultKind::Table;
        QTest::newRow("image") << QtPyVenv::Image(png(testImage(40, 30))).toCbor() << ResultKind::Image;
        QTest::newRow("array") << QtPyVenv::NdArray(std::vector<double>{1, 2, 3, 4}, {2, 2}).toCbor() << ResultKind::Array;
        QTest::newRow("map") << QCborValue(QCborMap{{QStringLiteral("z"), 1}, {QStringLiteral("a"), 2}}) << ResultKind::Tree;
        QTest::newRow("scalar") << QCborValue(42) << ResultKind::Text;
    }

    void resultViewPicksTheView()
    {
        QFETCH(QCborValue, value);
        QFETCH(ResultKind, kind);
        ResultView view;
        view.resize(600, 400);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.setValue(value);
        QCOMPARE(view.currentKind(), kind);
        auto *tabs = view.findChild<QTabBar *>(QStringLiteral("resultTabs"));
        QCOMPARE(tabs->currentIndex(), int(kind));
        // Only the views that can show the value are enabled; Tree and Text always are.
        for (ResultKind k : {ResultKind::Table, ResultKind::Image, ResultKind::Array, ResultKind::Tree, ResultKind::Text})
            QCOMPARE(tabs->isTabEnabled(int(k)), applicableViews(value).contains(k));
        switch (kind) {
        case ResultKind::Table: QVERIFY(view.tablePane()->model()->rowCount() > 0); break;
        case ResultKind::Image: QCOMPARE(view.imageView()->image().size(), QSize(40, 30)); break;
        case ResultKind::Array: QCOMPARE(view.arrayPane()->model()->rowCount(), 2); break;
        case ResultKind::Tree: QCOMPARE(view.treeModel()->rowCount(view.treeModel()->index(0, 0)), 2); break;
        case ResultKind::Text: QCOMPARE(view.textView()->toPlainText(), QStringLiteral("42")); break;
        }
        // Switchable: Text is always there, and shows the JSON in the value's own order.
        QSignalSpy switched(&view, &ResultView::currentKindChanged);
        if (kind != ResultKind::Text) {
            QTest::mouseClick(tabs, Qt::LeftButton, {}, tabs->tabRect(int(ResultKind::Text)).center());
            QCOMPARE(view.currentKind(), ResultKind::Text);
            QCOMPARE(switched.size(), 1);
            QVERIFY(!view.textView()->toPlainText().isEmpty());
        }
        QCOMPARE(view.setCurrentKind(ResultKind::Image), applicableViews(value).contains(ResultKind::Image));
        view.clear();
        QCOMPARE(view.currentKind(), ResultKind::Tree);
        QVERIFY(!view.isAvailable(ResultKind::Table));
    }

    //! A growing value (a running call's partial results) stays in the view the user picked.
    void updateValueKeepsThePickedView()
    {
        auto rows = [](int n) {
            QCborArray array;
            for (int i = 0; i < n; ++i)
                array.append(QCborMap{{QStringLiteral("batch"), i}, {QStringLiteral("estimate"), 3.0 + i / 10.0}});
            return QCborValue(array);
        };
        ResultView view;
        view.updateValue(rows(1)); // nothing shown yet: the view that fits
        QCOMPARE(view.currentKind(), chooseView(rows(1)));
        QVERIFY(view.setCurrentKind(ResultKind::Text));
        view.updateValue(rows(3));
        QCOMPARE(view.currentKind(), ResultKind::Text);
        QVERIFY(view.textView()->toPlainText().contains(QStringLiteral("\"batch\": 2")));
        view.setValue(rows(3)); // a new value: the view that fits it again
        QCOMPARE(view.currentKind(), chooseView(rows(3)));
        view.setValue(QtPyVenv::Image(png(testImage(4, 3))).toCbor());
        QCOMPARE(view.currentKind(), ResultKind::Image);
        view.updateValue(rows(2)); // the Image view cannot show it
        QCOMPARE(view.currentKind(), chooseView(rows(2)));
    }

    void textKeepsKeyOrder()
    {
        ResultView view;
        view.setValue(QCborMap{{QStringLiteral("zeta"), 1}, {QStringLiteral("alpha"), 2}});
        view.setCurrentKind(ResultKind::Text);
        const QString text = view.textView()->toPlainText();
        QVERIFY2(text.indexOf(QStringLiteral("zeta")) < text.indexOf(QStringLiteral("alpha")), qPrintable(text));
        QCOMPARE(view.treeModel()->index(0, 0, view.treeModel()->index(0, 0)).data().toString(), QStringLiteral("zeta"));
    }

    void tableCopiesTsvAndExportsCsv()
    {
        TablePane pane;
        pane.resize(500, 400);
        pane.show();
        QVERIFY(QTest::qWaitForWindowExposed(&pane));
        pane.setTable(bigTable(1'000'000));
        DataTableView *view = pane.view();
        QCOMPARE(view->model()->rowCount(), 1'000'000);
        QVERIFY(pane.findChild<QLabel *>(QStringLiteral("tableSummary"))->text().contains(QStringLiteral("rows")));

        // A header click sorts (through the model's row permutation).
        const QPoint header = view->horizontalHeader()->sectionViewportPosition(1) * QPoint(1, 0) + QPoint(5, 5);
        QTest::mouseClick(view->horizontalHeader()->viewport(), Qt::LeftButton, {}, header);
        QCOMPARE(pane.model()->sortColumn(), 1);
        QCOMPARE(view->model()->index(0, 1).data().toString(), QStringLiteral("0.5"));
        QCOMPARE(view->model()->index(0, 0).data().toString(), QStringLiteral("999999"));

        // Ctrl+C copies the selection as TSV, exact values.
        view->setFocus();
        view->selectionModel()->select(QItemSelection(view->model()->index(0, 0), view->model()->index(1, 1)),
                                       QItemSelectionModel::ClearAndSelect);
        QApplication::clipboard()->clear();
        QTest::keySequence(view, QKeySequence::Copy);
        QCOMPARE(QApplication::clipboard()->text(), QStringLiteral("999999\t0.5\n999998\t1.0\n"));

        // Export CSV: off the GUI thread, in the order shown, RFC 4180 lines.
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("table.csv"));
        QFuture<QString> exported = pane.exportCsv(path);
        exported.waitForFinished();
        QCOMPARE(exported.result(), QString());
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.readLine(), QByteArray("id,half\r\n"));
        QCOMPARE(file.readLine(), QByteArray("999999,0.5\r\n"));
        QCOMPARE(file.readLine(), QByteArray("999998,1.0\r\n"));
        QVERIFY(file.size() > 10'000'000);
        QVERIFY(!pane.exportCsv(dir.filePath(QStringLiteral("no/such/dir/t.csv"))).result().isEmpty());
    }

    void imageViewZooms()
    {
        ImageView view;
        view.resize(500, 400);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.setImage(testImage(1000, 500));
        QVERIFY(view.fitToWindow());
        QVERIFY(view.scale() < 0.5); // fits the window
        QVERIFY(view.displayedSize().width() <= 500);
        QTest::mouseClick(view.findChild<QToolButton *>(QStringLiteral("imageActualSize")), Qt::LeftButton);
        QCOMPARE(view.scale(), 1.0);
        QVERIFY(!view.fitToWindow());
        QCOMPARE(view.displayedSize(), QSize(1000, 500));
        QTest::mouseClick(view.findChild<QToolButton *>(QStringLiteral("imageZoomIn")), Qt::LeftButton);
        QCOMPARE(view.scale(), ImageView::ZoomStep);
        QCOMPARE(view.displayedSize(), QSize(1250, 625));
        view.zoomOut();
        view.zoomOut();
        QCOMPARE(view.scale(), 1.0 / ImageView::ZoomStep);
        QCOMPARE(view.findChild<QLabel *>(QStringLiteral("imageInfo"))->text(), QStringLiteral("1000×500 px · 80 %"));
        for (int i = 0; i < 50; ++i)
            view.zoomOut();
        QCOMPARE(view.scale(), ImageView::MinimumScale);
        QTest::mouseClick(view.findChild<QToolButton *>(QStringLiteral("imageFit")), Qt::LeftButton);
        QVERIFY(view.fitToWindow());
        const double fitted = view.scale();
        view.resize(1000, 800); // a bigger window fits bigger
        QTRY_VERIFY(view.scale() > fitted);

        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("saved.png"));
        QVERIFY(view.saveImage(path));
        QImage saved(path);
        QCOMPARE(saved.size(), QSize(1000, 500));
        QCOMPARE(saved.pixelColor(3, 3), QColor(Qt::blue));
        QString error;
        QVERIFY(!view.saveImage(dir.filePath(QStringLiteral("no/such/dir/x.png")), &error));
        QVERIFY(!error.isEmpty());
    }

    void arrayViewSummary()
    {
        ArrayPane pane;
        pane.setArray(QtPyVenv::NdArray(std::vector<double>{1, 2, std::nan(""), 5, 0, 4}, {3, 2}));
        QCOMPARE(pane.model()->rowCount(), 3);
        QCOMPARE(pane.model()->columnCount(), 2);
        const QString summary = pane.summaryText();
        for (const char *part : {"float64", "shape (3, 2)", "6 elements", "min 0", "max 5", "mean 2.4", "1 NaN"})
            QVERIFY2(summary.contains(QLatin1String(part)), qPrintable(summary));
        std::vector<std::int16_t> cube(24);
        std::iota(cube.begin(), cube.end(), std::int16_t(0));
        pane.setArray(QtPyVenv::NdArray(cube, {2, 3, 4}));
        QVERIFY2(pane.summaryText().contains(QStringLiteral("showing [:, :, 0]")), qPrintable(pane.summaryText()));
    }

    void argumentsForm()
    {
        using P = QtPyVenv::ParameterInfo;
        P numbers{QStringLiteral("numbers"), P::Kind::PositionalOrKeyword, false, {}, QStringLiteral("list")};
        P scale{QStringLiteral("scale"), P::Kind::PositionalOrKeyword, true, QStringLiteral("1.0"), {}};
        P rest{QStringLiteral("rest"), P::Kind::VarKeyword, false, {}, {}};
        ArgumentsForm form;
        form.show();
        form.setParameters({numbers, scale, rest});
        QLineEdit *numbersField = form.field(QStringLiteral("numbers"));
        QLineEdit *scaleField = form.field(QStringLiteral("scale"));
        QVERIFY(numbersField && scaleField && form.field(QStringLiteral("rest")));
        QVERIFY(scaleField->placeholderText().contains(QStringLiteral("1.0"))); // the default shown
        QVERIFY(!form.isValid());
        QVERIFY2(form.result().error.contains(QStringLiteral("numbers is required")), qPrintable(form.result().error));

        QSignalSpy changed(&form, &ArgumentsForm::changed);
        QTest::keyClicks(numbersField, QStringLiteral("[1, 2"));
        QVERIFY(changed.size() > 0);
        QVERIFY(!form.isValid());
        QVERIFY(numbersField->property("invalid").toBool()); // flagged
        QVERIFY(!numbersField->toolTip().isEmpty());
        QTest::keyClicks(numbersField, QStringLiteral("]"));
        QVERIFY(form.isValid());
        QVERIFY(!numbersField->property("invalid").toBool());
        QCOMPARE(argumentsText(form.result().arguments), QStringLiteral("numbers=[1, 2]")); // scale left out
        form.field(QStringLiteral("rest"))->setText(QStringLiteral("{\"b\": 1, \"a\": 2}"));
        scaleField->setText(QStringLiteral("2.5"));
        const QtPyVenv::Arguments arguments = form.result().arguments;
        QVERIFY(arguments.positional.isEmpty());
        QCOMPARE(arguments.keywords.keys().size(), 4);
        QCOMPARE(arguments.keywords.keys().at(2).toString(), QStringLiteral("b")); // **kwargs in their order
        QCOMPARE(arguments.keywords.value(QStringLiteral("scale")).toDouble(), 2.5);
        QCOMPARE(form.texts(), (QStringList{QStringLiteral("[1, 2]"), QStringLiteral("2.5"), QStringLiteral("{\"b\": 1, \"a\": 2}")}));

        form.setTexts({QStringLiteral("3")});
        QCOMPARE(argumentsText(form.result().arguments), QStringLiteral("numbers=3"));
        form.setParameters({}, false);
        QVERIFY(form.findChild<QLabel *>(QStringLiteral("argumentsFormNote"))->text().contains(QStringLiteral("raw JSON")));
        QVERIFY(form.isValid());
    }
};

QTEST_MAIN(TestAppResults)
#include "tst_app_results.moc"
