// SPDX-License-Identifier: MIT
// The Sources tab's editor under the offscreen platform: Python colouring, the line-number
// gutter, Save and the question before unsaved edits go, the error line a SyntaxError or a
// failed call points at, and a traceback line in the console opening its file at that line.
#include "testutil.h"

#include "core/errorreport.h"
#include "core/environment.h"
#include "core/environmentmanager.h"
#include "core/sourcelocation.h"
#include "ui/colors.h"
#include "ui/functionspage.h"
#include "ui/mainwindow.h"
#include "ui/pythonhighlighter.h"
#include "ui/sourceeditor.h"
#include "ui/sourcefileeditor.h"
#include "ui/sourcespage.h"
#include "ui/tracebackview.h"

#include <QApplication>
#include <QLabel>
#include <QListView>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTreeView>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBlock>
#include <QTextDocument>
#include <QTextLayout>
#include <QTimer>
#include <QToolTip>

#include <memory>

using namespace QtPyVenvApp;

namespace {

//! The format the highlighter gave the character at \a column of line \a line (0-based).
QTextCharFormat formatAt(const QTextDocument &document, int line, int column)
{
    const QTextBlock block = document.findBlockByNumber(line);
    for (const QTextLayout::FormatRange &range : block.layout()->formats()) {
        if (column >= range.start && column < range.start + range.length)
            return range.format;
    }
    return {};
}

bool writeFile(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(bytes) == bytes.size();
}

QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray("<unreadable>");
}

} // namespace

class TestAppEditor : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    std::unique_ptr<EnvironmentManager> m_manager;
    std::unique_ptr<MainWindow> m_window;
    Environment *m_env = nullptr;
    QString m_good;   // good.py of m_env
    QString m_broken; // broken.py of m_env, a SyntaxError at first

    SourcesPage *sources() const { return m_window->sourcesPage(); }
    SourceFileEditor *fileEditor() const { return sources()->fileEditor(); }
    SourceEditor *editor() const { return fileEditor()->editor(); }
    QListView *sourcesList() const { return sources()->findChild<QListView *>(QStringLiteral("sourcesList")); }
    int currentTab() const { return m_window->findChild<QTabWidget *>(QStringLiteral("tabs"))->currentIndex(); }
    //! Clicks \a path in the Sources list, as the user would.
    void clickFile(const QString &path)
    {
        const QModelIndex index = sourcesList()->model()->index(int(sources()->sources().indexOf(path)), 0);
        QTest::mouseClick(sourcesList()->viewport(), Qt::LeftButton, {}, sourcesList()->visualRect(index).center());
    }
    //! Replaces the editor's text as typing would: the document turns modified.
    void typeOver(const QString &text)
    {
        QTextCursor cursor(editor()->document());
        cursor.select(QTextCursor::Document);
        cursor.insertText(text);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(m_dir.isValid());
    }

    void tracebackLocations_data()
    {
        QTest::addColumn<QString>("line");
        QTest::addColumn<QString>("file");
        QTest::addColumn<int>("number");
        auto row = [](const char *name, const char *line, const char *file, int number) {
            QTest::newRow(name) << QString::fromUtf8(line) << QString::fromUtf8(file) << number;
        };
        row("call frame", R"(  File "/x/a b.py", line 12, in f)", "/x/a b.py", 12);
        row("syntax error", R"(  File "/x/a.py", line 4)", "/x/a.py", 4);
        row("quote in name", R"(  File "/x/"q".py", line 2, in <module>)", R"(/x/"q".py)", 2);
        row("code line", "    return 1 / 0", "", 0);
        row("no number", R"(  File "/x/a.py", line x)", "", 0);
        row("message", R"(ValueError: File "a", line 3 is not it)", "", 0);
    }

    void tracebackLocations()
    {
        QFETCH(QString, line);
        QFETCH(QString, file);
        QFETCH(int, number);
        QCOMPARE(tracebackLineLocation(line), (SourceLocation{file, number}));
    }

    void errorLocationPicksInnermostSourceFrame()
    {
        QtPyVenv::Error error{QtPyVenv::ErrorCode::PythonError, QStringLiteral("ValueError"), QStringLiteral("bad"),
                              QStringLiteral("Traceback (most recent call last):\n"
                                             "  File \"/s/a.py\", line 3, in f\n    g()\n"
                                             "  File \"/s/b.py\", line 7, in g\n    h()\n"
                                             "  File \"/usr/lib/python3/json.py\", line 9, in h\n"
                                             "ValueError: bad\n")};
        const QStringList sources{QStringLiteral("/s/a.py"), QStringLiteral("/s/b.py")};
        QCOMPARE(errorLocation(error, sources), (SourceLocation{QStringLiteral("/s/b.py"), 7}));
        QCOMPARE(errorLocation(error, {QStringLiteral("/s/a.py")}), (SourceLocation{QStringLiteral("/s/a.py"), 3}));
        QVERIFY(!errorLocation(error, {QStringLiteral("/other.py")}).isValid());
        QCOMPARE(errorHeadline(error), QStringLiteral("ValueError: bad"));

        // A SyntaxError without a traceback: the worker's "FILE, line N: message".
        const QtPyVenv::Error syntax{QtPyVenv::ErrorCode::PythonError, QStringLiteral("SyntaxError"),
                                     QStringLiteral("/s/b.py, line 4: invalid syntax"), QString()};
        QCOMPARE(errorLocation(syntax, sources), (SourceLocation{QStringLiteral("/s/b.py"), 4}));
    }

    void highlighterColoursPython()
    {
        QTextDocument document;
        PythonHighlighter highlighter(&document);
        document.setPlainText(QStringLiteral("def fit(x):  # note 'here'\n"          // 0
                                             "    s = '''one # not a comment\n"      // 1
                                             "two\n"                                 // 2
                                             "three''' + len(x)\n"                   // 3
                                             "    return 4.5e3 + x.list\n"           // 4
                                             "@cache\n"                              // 5
                                             "class Model: pass\n"                   // 6
                                             "t = f\"#{x}\" + r'\\'' # end\n"));     // 7
        highlighter.rehighlight(); // now, not from the event loop
        using Token = PythonHighlighter::Token;
        auto is = [&](int line, int column, Token token) {
            return formatAt(document, line, column).foreground() == highlighter.format(token).foreground();
        };
        auto plain = [&](int line, int column) { return formatAt(document, line, column) == QTextCharFormat(); };
        QVERIFY(is(0, 0, Token::Keyword));     // def
        QVERIFY(is(0, 4, Token::Definition));  // fit
        QVERIFY(plain(0, 8));                  // x
        QVERIFY(is(0, 13, Token::Comment));    // # note 'here': the quotes are in the comment
        QVERIFY(is(0, 22, Token::Comment));
        QVERIFY(is(1, 8, Token::String));      // '''one
        QVERIFY(is(1, 16, Token::String));     // # not a comment: in the string
        QVERIFY(is(2, 0, Token::String));      // two: the string goes on
        QVERIFY(is(3, 0, Token::String));      // three'''
        QVERIFY(is(3, 7, Token::String));
        QVERIFY(plain(3, 9));                  // + after the string ends
        QVERIFY(is(3, 11, Token::Builtin));    // len
        QVERIFY(is(4, 4, Token::Keyword));     // return
        QVERIFY(is(4, 11, Token::Number));     // 4.5e3
        QVERIFY(is(4, 15, Token::Number));
        QVERIFY(plain(4, 21));                 // x.list: an attribute, no builtin
        QVERIFY(is(5, 0, Token::Decorator));   // @cache
        QVERIFY(is(5, 5, Token::Decorator));
        QVERIFY(is(6, 0, Token::Keyword));     // class
        QVERIFY(is(6, 6, Token::Definition));  // Model
        QVERIFY(is(6, 13, Token::Keyword));    // pass
        QVERIFY(is(7, 4, Token::String));      // f"#{x}": prefix, and a # that is no comment
        QVERIFY(is(7, 6, Token::String));
        QVERIFY(is(7, 15, Token::String));     // r'\'': an escaped quote does not end it
        QVERIFY(is(7, 18, Token::String));
        QVERIFY(is(7, 20, Token::Comment));    // # end
        QCOMPARE(document.findBlockByNumber(3).userState(), 0); // closed: the next line is code

        // The colours follow the palette: a dark one takes the dark set.
        QPalette dark;
        dark.setColor(QPalette::Base, Qt::black);
        dark.setColor(QPalette::Text, Qt::white);
        highlighter.setPalette(dark);
        QCOMPARE(highlighter.format(Token::Keyword).foreground().color(), syntaxColors(dark).keyword);
        QVERIFY(is(0, 0, Token::Keyword));
        QVERIFY(syntaxColors(dark).keyword != syntaxColors(QPalette(Qt::white)).keyword);
    }

    void gutterGrowsWithLines()
    {
        SourceEditor editor;
        editor.resize(400, 300);
        editor.show();
        QVERIFY(QTest::qWaitForWindowExposed(&editor));
        auto *gutter = editor.findChild<QWidget *>(QStringLiteral("lineNumberGutter"));
        QVERIFY(gutter);
        auto lines = [](int n) {
            QStringList text;
            for (int i = 0; i < n; ++i)
                text << QStringLiteral("x = %1").arg(i);
            return text.join(QLatin1Char('\n'));
        };
        editor.setPlainText(lines(9));
        const int nine = editor.gutterWidth();
        QCOMPARE(gutter->width(), nine);
        editor.setPlainText(lines(100));
        const int hundred = editor.gutterWidth();
        QVERIFY2(hundred > nine, qPrintable(QStringLiteral("%1 <= %2").arg(hundred).arg(nine)));
        QCOMPARE(gutter->width(), hundred);
        QVERIFY(editor.viewport()->geometry().left() >= hundred); // the text starts right of it
        editor.setPlainText(lines(10000));
        QVERIFY(editor.gutterWidth() > hundred);
        editor.setPlainText(lines(3));
        QCOMPARE(editor.gutterWidth(), nine);
    }

    void errorMarkShowsLineAndMessage()
    {
        SourceEditor editor;
        editor.resize(400, 300);
        editor.show();
        QVERIFY(QTest::qWaitForWindowExposed(&editor));
        editor.setPlainText(QStringLiteral("a = 1\nb = (\nc = 3\n"));
        editor.setErrorMark(2, QStringLiteral("SyntaxError: '(' was never closed"));
        QCOMPARE(editor.errorLine(), 2);
        const QList<QTextEdit::ExtraSelection> selections = editor.extraSelections();
        const auto marked = std::find_if(selections.cbegin(), selections.cend(), [&](const QTextEdit::ExtraSelection &s) {
            return s.format.background().color() == errorLineBackground(editor.palette());
        });
        QVERIFY(marked != selections.cend());
        QCOMPARE(marked->cursor.blockNumber(), 1);

        // The message is the line's tooltip.
        const QRect line = editor.cursorRect(QTextCursor(editor.document()->findBlockByNumber(1)));
        QHelpEvent help(QEvent::ToolTip, line.center(), editor.viewport()->mapToGlobal(line.center()));
        QCoreApplication::sendEvent(editor.viewport(), &help);
        QTRY_COMPARE(QToolTip::text(), QStringLiteral("SyntaxError: '(' was never closed"));

        editor.setErrorMark(9, QStringLiteral("past the end"));
        QCOMPARE(editor.errorLine(), 0);
        QVERIFY(editor.errorMessage().isEmpty());
    }

    void saveWritesFileAndClearsModified()
    {
        const QString path = m_dir.filePath(QStringLiteral("save.py"));
        QVERIFY(writeFile(path, "x = 1\n"));
        SourceFileEditor file;
        file.show();
        QVERIFY(QTest::qWaitForWindowActive(&file));
        file.open(path);
        auto *title = file.findChild<QLabel *>(QStringLiteral("sourceFileTitle"));
        auto *save = file.findChild<QPushButton *>(QStringLiteral("saveSourceButton"));
        QCOMPARE(title->text(), path);
        QVERIFY(!save->isEnabled());

        file.editor()->setFocus();
        file.editor()->moveCursor(QTextCursor::End);
        QTest::keyClicks(file.editor(), QStringLiteral("y = 2"));
        QVERIFY(file.isModified());
        QCOMPARE(title->text(), path + QLatin1Char('*'));
        QVERIFY(save->isEnabled());
        QCOMPARE(readFile(path), QByteArray("x = 1\n"));

        QSignalSpy saved(&file, &SourceFileEditor::saved);
        QTest::keyClick(file.editor(), Qt::Key_S, Qt::ControlModifier);
        QCOMPARE(saved.size(), 1);
        QCOMPARE(readFile(path), QByteArray("x = 1\ny = 2"));
        QVERIFY(!file.isModified());
        QCOMPARE(title->text(), path);
        QVERIFY(!save->isEnabled());

        // A write that fails keeps the text, and the edits, and says why.
        QTemporaryDir gone;
        const QString lost = gone.filePath(QStringLiteral("lost.py"));
        QVERIFY(writeFile(lost, "a = 1\n"));
        file.open(lost);
        QVERIFY(gone.remove());
        file.editor()->moveCursor(QTextCursor::End);
        QTest::keyClicks(file.editor(), QStringLiteral("b = 2"));
        QVERIFY(!file.save());
        QVERIFY2(file.statusText().contains(QStringLiteral("Cannot save")), qPrintable(file.statusText()));
        QCOMPARE(file.editor()->toPlainText(), QStringLiteral("a = 1\nb = 2"));
        QVERIFY(file.isModified());
        QVERIFY(save->isEnabled());
    }

    void saveKeepsPermissionsAndLineEnds()
    {
        const QString path = m_dir.filePath(QStringLiteral("crlf.py"));
        QVERIFY(writeFile(path, "a = 1\r\nb = 2\r\n"));
        const QFile::Permissions permissions = QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner | QFile::ReadGroup;
        QVERIFY(QFile::setPermissions(path, permissions));
        SourceFileEditor file;
        file.open(path);
        QCOMPARE(file.editor()->toPlainText(), QStringLiteral("a = 1\nb = 2\n"));
        QTextCursor(file.editor()->document()).insertText(QStringLiteral("# top\n"));
        QVERIFY(file.save());
        QCOMPARE(readFile(path), QByteArray("# top\r\na = 1\r\nb = 2\r\n"));
        QCOMPARE(QFile::permissions(path) & ~(QFile::ReadUser | QFile::WriteUser | QFile::ExeUser), permissions);
        file.reloadIfUnmodified(); // the file as saved is the text shown: nothing to read again
        QVERIFY(file.editor()->document()->isUndoAvailable());
    }

    void unreadableFileIsReadOnly()
    {
        const QString path = m_dir.filePath(QStringLiteral("latin1.py"));
        QVERIFY(writeFile(path, "s = '\xe9t\xe9'\n"));
        SourceFileEditor file;
        file.open(path);
        QVERIFY(file.editor()->isReadOnly());
        QVERIFY2(file.statusText().contains(QStringLiteral("not UTF-8")), qPrintable(file.statusText()));
        QVERIFY(file.save()); // nothing to write
        QCOMPARE(readFile(path), QByteArray("s = '\xe9t\xe9'\n"));
    }

    void confirmLeave_data()
    {
        QTest::addColumn<QMessageBox::StandardButton>("answer");
        QTest::addColumn<bool>("mayLeave");
        QTest::addColumn<QByteArray>("onDisk");
        QTest::newRow("save") << QMessageBox::Save << true << QByteArray("edited");
        QTest::newRow("discard") << QMessageBox::Discard << true << QByteArray("original");
        QTest::newRow("cancel") << QMessageBox::Cancel << false << QByteArray("original");
    }

    void confirmLeave()
    {
        QFETCH(QMessageBox::StandardButton, answer);
        QFETCH(bool, mayLeave);
        QFETCH(QByteArray, onDisk);
        const QString path = m_dir.filePath(QStringLiteral("leave.py"));
        QVERIFY(writeFile(path, "original"));
        SourceFileEditor file;
        QStringList asked;
        file.setUnsavedChangesPrompt([&](const QString &p) {
            asked << p;
            return answer;
        });
        file.open(path);
        QVERIFY(file.confirmLeave());
        QVERIFY(asked.isEmpty()); // nothing to lose: no question
        file.editor()->setPlainText(QStringLiteral("edited"));
        file.editor()->document()->setModified(true);
        QCOMPARE(file.confirmLeave(), mayLeave);
        QCOMPARE(asked, QStringList{path});
        QCOMPARE(readFile(path), onDisk);
        QCOMPARE(file.isModified(), !mayLeave);
        QCOMPARE(file.editor()->toPlainText(), QString::fromUtf8(answer == QMessageBox::Discard ? "original" : "edited"));
    }

    // A start that fails with a SyntaxError shows that file with the line marked.
    void syntaxErrorMarksLine()
    {
        m_manager = std::make_unique<EnvironmentManager>(AppPaths{m_dir.filePath(QStringLiteral("config")),
                                                                  m_dir.filePath(QStringLiteral("data"))});
        QVERIFY(m_manager->load());
        m_window = std::make_unique<MainWindow>(m_manager.get());
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));

        m_good = m_dir.filePath(QStringLiteral("good.py"));
        m_broken = m_dir.filePath(QStringLiteral("broken.py"));
        QVERIFY(writeFile(m_good, "def ok(args):\n    return 1\n"));
        QVERIFY(writeFile(m_broken, "def fine(args):\n    return 2\n\ndef broken(:\n    pass\n"));
        EnvironmentDefinition definition = m_manager->environment(QStringLiteral("demo"))->definition();
        definition.id.clear();
        definition.name = QStringLiteral("editor");
        definition.sources = {m_good, m_broken};
        m_env = m_manager->add(definition);
        m_window->setCurrentEnvironment(m_env->definition().id);
        m_window->showTab(MainWindow::SourcesTab);
        QCOMPARE(fileEditor()->path(), m_good); // the first file, before any error
        m_manager->start(m_env->definition().id);
        QTRY_COMPARE_WITH_TIMEOUT(m_env->status(), EnvStatus::Failed, 30000);
        QCOMPARE(m_env->lastError().type, QStringLiteral("SyntaxError"));

        QCOMPARE(fileEditor()->path(), m_broken);
        QCOMPARE(sourcesList()->currentIndex().data().toString(), m_broken);
        QCOMPARE(editor()->errorLine(), 4);
        QVERIFY2(editor()->errorMessage().startsWith(QStringLiteral("SyntaxError: ")), qPrintable(editor()->errorMessage()));

        // The mark belongs to broken.py alone.
        clickFile(m_good);
        QCOMPARE(fileEditor()->path(), m_good);
        QCOMPARE(editor()->errorLine(), 0);
        clickFile(m_broken);
        QCOMPARE(editor()->errorLine(), 4);
    }

    // Saving the fix in the editor reloads the worker, as a change on disk does.
    void saveReloadsWorker()
    {
        QCOMPARE(fileEditor()->path(), m_broken);
        typeOver(QStringLiteral("def fine(args):\n    return 2\n\ndef boom():\n    x = 1\n    raise ValueError('bad')\n"));
        QVERIFY(fileEditor()->isModified());
        QVERIFY(fileEditor()->save());
        QCOMPARE(readFile(m_broken), QByteArray("def fine(args):\n    return 2\n\ndef boom():\n    x = 1\n    raise ValueError('bad')\n"));
        QTRY_COMPARE_WITH_TIMEOUT(m_env->status(), EnvStatus::Ready, 30000);
        QCOMPARE(m_env->functions().size(), 3);
        QCOMPARE(editor()->errorLine(), 0); // the new worker started: the old error is gone
        QVERIFY(!fileEditor()->isModified());
    }

    // A change that fails while the last good worker serves marks its line too, and the fix
    // clears it.
    void failedChangeMarksLine()
    {
        clickFile(m_good);
        typeOver(QStringLiteral("def ok(args):\n    return (\n"));
        QVERIFY(fileEditor()->save());
        QTRY_VERIFY_WITH_TIMEOUT(m_env->changeFailed(), 30000);
        QCOMPARE(m_env->status(), EnvStatus::Ready);
        QCOMPARE(fileEditor()->path(), m_good);
        QVERIFY(editor()->errorLine() > 0);

        typeOver(QStringLiteral("def ok(args):\n    return 1\n"));
        QVERIFY(fileEditor()->save());
        QTRY_VERIFY_WITH_TIMEOUT(!m_env->changeFailed() && !m_env->isApplyingChange(), 30000);
        QCOMPARE(editor()->errorLine(), 0);
        QCOMPARE(m_env->functions().size(), 3);
    }

    // A click on a traceback line in the console opens that file at that line, marked.
    void tracebackClickOpensFile()
    {
        clickFile(m_good);
        FunctionsPage *console = m_window->functionsPage();
        m_window->showTab(MainWindow::FunctionsTab);
        QVERIFY(console->selectFunction(QStringLiteral("boom")));
        console->setRawArguments(true);
        QSignalSpy shown(console, &FunctionsPage::resultShown);
        console->callCurrent();
        QVERIFY(shown.wait(15000));

        TracebackView *traceback = console->errorView();
        QVERIFY(traceback->isVisible());
        int frameLine = -1;
        for (int i = 0; i < traceback->document()->blockCount(); ++i) {
            if (traceback->linkAt(i).isValid())
                frameLine = i;
        }
        QVERIFY2(frameLine >= 0, qPrintable(traceback->toPlainText()));
        QCOMPARE(traceback->linkAt(frameLine), (SourceLocation{m_broken, 6}));
        QCOMPARE(currentTab(), int(MainWindow::FunctionsTab));

        const QTextCursor at(traceback->document()->findBlockByNumber(frameLine));
        QTest::mouseClick(traceback->viewport(), Qt::LeftButton, {}, traceback->cursorRect(at).center() + QPoint(20, 0));
        QCOMPARE(currentTab(), int(MainWindow::SourcesTab));
        QCOMPARE(fileEditor()->path(), m_broken);
        QCOMPARE(sourcesList()->currentIndex().data().toString(), m_broken);
        QCOMPARE(editor()->currentLine(), 6);
        QCOMPARE(editor()->errorLine(), 6);
        QCOMPARE(editor()->errorMessage(), QStringLiteral("ValueError: bad"));
    }

    // A change on disk shows in the editor when it has no edits of its own; edits stay.
    void diskChangeReloadsEditor()
    {
        QCOMPARE(fileEditor()->path(), m_broken);
        editor()->goToLine(6);
        QSignalSpy changed(m_env, &Environment::sourceFileChanged);
        QByteArray source = readFile(m_broken) + "\n\ndef added():\n    return 3\n";
        QVERIFY(writeFile(m_broken, source));
        QVERIFY(changed.wait(5000));
        QCOMPARE(editor()->toPlainText().toUtf8(), source);
        QCOMPARE(editor()->currentLine(), 6); // where the user was
        QVERIFY(!fileEditor()->isModified());
        QTRY_COMPARE_WITH_TIMEOUT(m_env->functions().size(), 4, 30000);

        typeOver(QStringLiteral("mine = 1\n"));
        changed.clear();
        QVERIFY(writeFile(m_broken, source + "# theirs\n"));
        QVERIFY(changed.wait(5000));
        QCOMPARE(editor()->toPlainText(), QStringLiteral("mine = 1\n"));
        QVERIFY(fileEditor()->isModified());
        fileEditor()->open(m_broken); // as Discard does
        QTRY_COMPARE_WITH_TIMEOUT(m_env->status(), EnvStatus::Ready, 30000);
    }

    // Switching files or closing the window with unsaved edits asks first.
    void unsavedEditsAsk()
    {
        QMessageBox::StandardButton answer = QMessageBox::Cancel;
        int asked = 0;
        fileEditor()->setUnsavedChangesPrompt([&](const QString &) {
            ++asked;
            return answer;
        });
        const QByteArray brokenOnDisk = readFile(m_broken);
        QCOMPARE(fileEditor()->path(), m_broken);
        typeOver(QStringLiteral("edited = 1\n"));

        clickFile(m_good); // Cancel: back to the edits
        QCOMPARE(asked, 1);
        QTRY_COMPARE(sourcesList()->currentIndex().data().toString(), m_broken);
        QCOMPARE(fileEditor()->path(), m_broken);
        QCOMPARE(editor()->toPlainText(), QStringLiteral("edited = 1\n"));

        answer = QMessageBox::Discard;
        clickFile(m_good);
        QCOMPARE(asked, 2);
        QCOMPARE(fileEditor()->path(), m_good);
        QCOMPARE(readFile(m_broken), brokenOnDisk);

        typeOver(QStringLiteral("def ok(args):\n    return 11\n"));
        answer = QMessageBox::Cancel;
        QVERIFY(!m_window->close());
        QCOMPARE(asked, 3);
        QVERIFY(m_window->isVisible());
        QCOMPARE(currentTab(), int(MainWindow::SourcesTab));
        QVERIFY(fileEditor()->isModified());

        answer = QMessageBox::Save;
        clickFile(m_broken);
        QCOMPARE(asked, 4);
        QCOMPARE(readFile(m_good), QByteArray("def ok(args):\n    return 11\n"));
        QCOMPARE(fileEditor()->path(), m_broken);
        QTRY_COMPARE_WITH_TIMEOUT(m_env->status(), EnvStatus::Ready, 30000); // reloaded with the saved file

        // Another environment shows other files: Cancel stays with this one and the edits.
        typeOver(QStringLiteral("edited = 2\n"));
        answer = QMessageBox::Cancel;
        QTimer::singleShot(3000, this, [] { // were the removal asked about, the test goes on
            if (QWidget *box = QApplication::activeModalWidget())
                box->close();
        });
        m_window->removeEnvironment(); // the edits first: Cancel, and the removal is not asked
        QCOMPARE(asked, 5);
        QCOMPARE(m_manager->environment(m_env->definition().id), m_env);
        m_window->setCurrentEnvironment(QStringLiteral("demo"));
        QCOMPARE(asked, 6);
        QCOMPARE(m_window->currentEnvironment(), m_env);
        QCOMPARE(m_window->environmentView()->currentIndex().data(EnvironmentListModel::IdRole).toString(),
                 m_env->definition().id);
        QCOMPARE(fileEditor()->path(), m_broken);
        QVERIFY(fileEditor()->isModified());
        answer = QMessageBox::Discard;
        m_window->setCurrentEnvironment(QStringLiteral("demo"));
        QCOMPARE(asked, 7);
        QCOMPARE(m_window->currentEnvironment()->definition().id, QStringLiteral("demo"));
        QCOMPARE(sources()->sources(), m_window->currentEnvironment()->definition().sources);
        QCOMPARE(fileEditor()->path(), sources()->sources().value(0));
        QVERIFY(!fileEditor()->isModified());
    }

    void cleanupTestCase()
    {
        m_window.reset();
        m_manager.reset();
        QCOMPARE(TestUtil::liveChildren(), QList<qint64>());
    }
};

QTEST_MAIN(TestAppEditor)
#include "tst_app_editor.moc"
