// SPDX-License-Identifier: MIT
// qtpyvenv-call: load Python sources into a venv worker, call one function, print its result as JSON.
#include "callsession.h"
#include "commandline.h"
#include "exitstatus.h"

#include <QCoreApplication>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("qtpyvenv-call"));
    QCoreApplication::setApplicationVersion(QStringLiteral(QTPYVENV_VERSION_STRING));

    std::variant<CallRequest, UsageError> parsed = parseCommandLine(app);
    if (const UsageError *error = std::get_if<UsageError>(&parsed))
        return fail(error->message, ExitUsage);
    CallSession session(std::get<CallRequest>(std::move(parsed)));
    return session.run();
}
