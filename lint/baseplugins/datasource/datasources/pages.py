from collections.abc import Generator

from dify_plugin.entities.datasource import DatasourceGetPagesResponse, DatasourceMessage, GetOnlineDocumentPageContentRequest
from dify_plugin.interfaces.datasource.online_document import OnlineDocumentDatasource


class PagesDatasource(OnlineDocumentDatasource):
    def _get_pages(self, datasource_parameters: dict) -> DatasourceGetPagesResponse:
        raise NotImplementedError

    def _get_content(self, page: GetOnlineDocumentPageContentRequest) -> Generator[DatasourceMessage, None, None]:
        yield from ()
