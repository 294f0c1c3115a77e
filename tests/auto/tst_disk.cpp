// SPDX-License-Identifier: MIT
// What the library does to files it did not make: links planted in meta/ (or in its place) are
// never followed, a meta/ someone else made is left alone, two Venvs on one baseDir
// keep their own output tails, and an unusable baseDir is an error that says why.
#include "testutil.h"

#include <QFileInfo>
#include <QScopeGuard>
#include <QSignalSpy>

#include <cerrno>
#include <cstring>

#include <signal.h>
#include <unistd.h>
#include <sys/stat.h>

using namespace QtPyVenv;
using TestUtil::readAll;
using TestUtil::writeFile;

namespace {

const QString SaySource = QStringLiteral("import sys\n\n"
                                         "def say(text):\n"
                                         "    print(text)\n"
                                         "    print('err ' + text, file=sys.stderr)\n"
                                         "    return text\n");

QString osError(int error)
{
    return QString::fromLocal8Bit(::strerror(error));
}

QStringList entries(const QString &dir)
{
    return QDir(dir).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System, QDir::Name);
}

//! True when this process can still write into DIR although it is read-only (root can).
bool writableAnyway(const QString &dir)
{
    QFile probe(dir + QStringLiteral("/probe"));
    const bool writable = probe.open(QIODevice::WriteOnly);
    probe.remove();
    return writable;
}

} // namespace

class tst_Disk : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void plantedLinkIsNeverFollowed_data();
    void plantedLinkIsNeverFollowed();
    void foreignMetaIsLeftAlone();
    void earlierVersionsMetaIsTaken();
    void twoVenvsKeepTheirOwnTails();
    void unusableBaseDirSaysWhy_data();
    void unusableBaseDirSaysWhy();

    void cleanup();
};

void tst_Disk::cleanup()
{
    QCOMPARE(TestUtil::liveChildren(), QList<qint64>());
}

// A symbolic link in meta/, or in its place, that points outside baseDir (or a hard link to a file
// outside): start() refuses with a message naming it, and neither start() nor close() writes,
// creates or deletes anything.
void tst_Disk::plantedLinkIsNeverFollowed_data()
{
    QTest::addColumn<QString>("name");   // in meta/; empty: meta/ itself
    QTest::addColumn<QString>("target"); // "file", "nothing" (yet), "directory", or "hard link" to a file
    QTest::newRow("stdout tail") << QStringLiteral("stdout-a") << QStringLiteral("file");
    QTest::newRow("stderr tail") << QStringLiteral("stderr-b") << QStringLiteral("file");
    QTest::newRow("state.json") << QStringLiteral("state.json") << QStringLiteral("file");
    QTest::newRow("worker module") << QStringLiteral("qtpyvenv.py") << QStringLiteral("file");
    QTest::newRow("install lock") << QStringLiteral("install.lock") << QStringLiteral("nothing");
    QTest::newRow("use lock") << QStringLiteral("use.lock") << QStringLiteral("nothing");
    QTest::newRow("bytecode cache") << QStringLiteral("__pycache__") << QStringLiteral("directory");
    QTest::newRow("meta itself") << QString() << QStringLiteral("directory");
    QTest::newRow("hard-linked tail") << QStringLiteral("stdout-b") << QStringLiteral("hard link");
}

void tst_Disk::plantedLinkIsNeverFollowed()
{
    QFETCH(QString, name);
    QFETCH(QString, target);
    QTemporaryDir dir;
    const QString base = dir.filePath(QStringLiteral("base"));
    Config config = TestUtil::config(base, {SaySource});
    config.removeBaseDirOnClose = false;
    {
        Venv venv(config);
        QVERIFY_OK(venv.start());
        QVERIFY_OK(venv.callAndAwait(QStringLiteral("say"), QStringLiteral("first run")));
    }
    const QString link = base + QStringLiteral("/meta") + (name.isEmpty() ? QString() : QLatin1Char('/') + name);
    QVERIFY(QFileInfo(link).isDir() ? QDir(link).removeRecursively() : QFile::remove(link));
    const QString outside = dir.filePath(QStringLiteral("outside"));
    const QByteArray outsideText = "outside, not QtPyVenv's\n";
    if (target == QLatin1String("directory"))
        QVERIFY(QDir().mkpath(outside));
    else if (target != QLatin1String("nothing"))
        QVERIFY(writeFile(outside, outsideText));
    if (target == QLatin1String("hard link"))
        QCOMPARE(::link(QFile::encodeName(outside).constData(), QFile::encodeName(link).constData()), 0);
    else
        QVERIFY(QFile::link(outside, link));

    auto outsideUntouched = [&] {
        if (target == QLatin1String("directory"))
            return entries(outside).isEmpty();
        return target == QLatin1String("nothing") ? !QFileInfo::exists(outside) : readAll(outside) == outsideText;
    };
    config.removeBaseDirOnClose = true;
    Venv venv(config);
    const Error error = venv.start();
    QCOMPARE(error.code, ErrorCode::InstallFailed);
    QVERIFY2(error.message.contains(link), qPrintable(error.message));
    const QString why = target == QLatin1String("hard link") ? QStringLiteral("hard links") : QStringLiteral("symbolic link");
    QVERIFY2(error.message.contains(why), qPrintable(error.message));
    QCOMPARE(venv.state(), State::Idle);
    QVERIFY(outsideUntouched());
    venv.close();
    QVERIFY(outsideUntouched());
    QVERIFY(target == QLatin1String("hard link") ? readAll(link) == outsideText : QFileInfo(link).isSymLink());
}

// A meta/ someone else made, with files named like the library's: start() refuses it and
// neither start() nor close() changes or deletes a thing.
void tst_Disk::foreignMetaIsLeftAlone()
{
    QTemporaryDir dir;
    const QString base = dir.path();
    const QString meta = base + QStringLiteral("/meta");
    QVERIFY(QDir().mkpath(meta));
    QVERIFY(writeFile(meta + QStringLiteral("/state.json"), "my own state\n"));
    QVERIFY(writeFile(meta + QStringLiteral("/stderr-b"), "my own log\n"));

    Venv venv(TestUtil::config(base, {SaySource}));
    QSignalSpy failed(&venv, &Venv::startFailed);
    const Error error = venv.start();
    QCOMPARE(error.code, ErrorCode::InstallFailed);
    QVERIFY2(error.message.contains(meta), qPrintable(error.message));
    QVERIFY2(error.message.contains(QStringLiteral("not made by QtPyVenv")), qPrintable(error.message));
    QTRY_COMPARE(failed.count(), 1);
    venv.close();

    QCOMPARE(entries(base), QStringList{QStringLiteral("meta")});
    QCOMPARE(entries(meta), (QStringList{QStringLiteral("state.json"), QStringLiteral("stderr-b")}));
    QCOMPARE(readAll(meta + QStringLiteral("/state.json")), QByteArray("my own state\n"));
    QCOMPARE(readAll(meta + QStringLiteral("/stderr-b")), QByteArray("my own log\n"));
}

// A meta/ an earlier version made (no ownership mark) is the library's: it starts warm and
// close() removes it.
void tst_Disk::earlierVersionsMetaIsTaken()
{
    QTemporaryDir dir;
    const QString base = dir.filePath(QStringLiteral("base"));
    const QString mark = base + QStringLiteral("/meta/created-by-qtpyvenv");
    Config config = TestUtil::config(base, {SaySource});
    config.removeBaseDirOnClose = false;
    {
        Venv venv(config);
        QVERIFY_OK(venv.start());
    }
    // The worker is imported, not run as a script: its bytecode is kept for the next start.
    const QStringList bytecode = QDir(base + QStringLiteral("/meta/__pycache__")).entryList(QDir::Files);
    QVERIFY2(!bytecode.filter(QRegularExpression(QStringLiteral("^qtpyvenv_worker\\..*\\.pyc$"))).isEmpty(),
             qPrintable(bytecode.join(u' ')));

    // What earlier versions left: no mark, and no qtpyvenv_start.py yet.
    QVERIFY(QFile::remove(mark));
    QVERIFY(QFile::remove(base + QStringLiteral("/meta/qtpyvenv_start.py")));

    config.removeBaseDirOnClose = true;
    Venv venv(config);
    QSignalSpy phases(&venv, &Venv::startPhaseChanged);
    QVERIFY_OK(venv.start());
    QVERIFY(QFileInfo::exists(mark));
    QTRY_COMPARE(phases.count(), 1); // Launching only: the venv was taken as it was
    venv.close();
    QCOMPARE(entries(base), QStringList());
}

// Two Venvs on one baseDir each keep their own output tails, also across a restart of one.
void tst_Disk::twoVenvsKeepTheirOwnTails()
{
    QTemporaryDir dir;
    const QString base = dir.filePath(QStringLiteral("base"));
    Venv a(TestUtil::config(base, {SaySource}));
    Venv b(TestUtil::config(base, {SaySource}));
    QVERIFY_OK(a.start());
    QVERIFY_OK(a.callAndAwait(QStringLiteral("say"), QStringLiteral("A one")));
    QVERIFY_OK(b.start());
    QVERIFY_OK(b.callAndAwait(QStringLiteral("say"), QStringLiteral("B one")));
    QVERIFY_OK(a.callAndAwait(QStringLiteral("say"), QStringLiteral("A two")));

    QTRY_COMPARE(a.tailStdOut(), QByteArray("A one\nA two\n"));
    QTRY_COMPARE(a.tailStdErr(), QByteArray("err A one\nerr A two\n"));
    QTRY_COMPARE(b.tailStdOut(), QByteArray("B one\n"));
    QTRY_COMPARE(b.tailStdErr(), QByteArray("err B one\n"));
    QVERIFY(QFileInfo::exists(base + QStringLiteral("/meta/stdout.2-a")));

    // A restart keeps the tails it had.
    QSignalSpy died(&a, &Venv::died);
    QCOMPARE(::kill(pid_t(a.processId()), SIGKILL), 0);
    QVERIFY(died.wait());
    QVERIFY_OK(a.start());
    QVERIFY_OK(a.callAndAwait(QStringLiteral("say"), QStringLiteral("A three")));
    QTRY_COMPARE(a.tailStdOut(), QByteArray("A one\nA two\nA three\n"));
    QCOMPARE(b.tailStdOut(), QByteArray("B one\n"));

    a.close();
    QCOMPARE(b.tailStdOut(), QByteArray("B one\n"));
    QVERIFY(QFileInfo::exists(base + QStringLiteral("/meta/stdout.2-a"))); // b's, still in use
    b.close();
    QCOMPARE(entries(base), QStringList());
}

// A baseDir that cannot be made or written: InstallFailed naming the path, with the OS's reason.
void tst_Disk::unusableBaseDirSaysWhy_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<int>("expectedErrno");
    QTest::addColumn<QStringList>("left"); // what the parent of baseDir holds afterwards
    const QStringList base{QStringLiteral("base")};
    QTest::newRow("dangling symlink") << QStringLiteral("dangling") << ENOENT << base;
    QTest::newRow("under a file") << QStringLiteral("under-file") << ENOTDIR << QStringList{QStringLiteral("file")};
    QTest::newRow("read-only parent") << QStringLiteral("read-only-parent") << EACCES << QStringList();
    QTest::newRow("read-only baseDir") << QStringLiteral("read-only") << EACCES << base;
}

void tst_Disk::unusableBaseDirSaysWhy()
{
    QFETCH(QString, kind);
    QFETCH(int, expectedErrno);
    QFETCH(QStringList, left);
    QTemporaryDir dir;
    const QString parent = dir.filePath(QStringLiteral("parent"));
    QVERIFY(QDir().mkpath(parent));
    QString base = parent + QStringLiteral("/base");
    QString named = base; // the path the message must name
    QString readOnly;
    if (kind == QLatin1String("dangling")) {
        QVERIFY(QFile::link(dir.filePath(QStringLiteral("nowhere")), base));
    } else if (kind == QLatin1String("under-file")) {
        QVERIFY(writeFile(parent + QStringLiteral("/file"), "a file"));
        base = named = parent + QStringLiteral("/file/base");
    } else if (kind == QLatin1String("read-only-parent")) {
        readOnly = parent;
    } else {
        QVERIFY(QDir().mkpath(base));
        readOnly = base;
        named = base + QStringLiteral("/meta");
    }
    const auto restore = qScopeGuard([&] {
        if (!readOnly.isEmpty())
            ::chmod(QFile::encodeName(readOnly).constData(), 0700);
    });
    if (!readOnly.isEmpty()) {
        QCOMPARE(::chmod(QFile::encodeName(readOnly).constData(), 0500), 0);
        if (writableAnyway(readOnly))
            QSKIP("permissions do not stop this process from writing (root)");
    }

    Venv venv(TestUtil::config(base, {SaySource}));
    const Error error = venv.start();
    QCOMPARE(error.code, ErrorCode::InstallFailed);
    QVERIFY2(error.message.contains(named), qPrintable(error.message));
    QVERIFY2(error.message.contains(osError(expectedErrno)), qPrintable(error.message));
    QCOMPARE(venv.state(), State::Idle);
    venv.close();
    QCOMPARE(entries(parent), left);
}

QTEST_GUILESS_MAIN(tst_Disk)
#include "tst_disk.moc"
